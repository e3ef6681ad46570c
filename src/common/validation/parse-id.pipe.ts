import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { MAX_ID } from './limits';

/** Path ids: a positive integer that fits the INT id columns, else 400. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (/^[1-9]\d{0,9}$/.test(value)) {
      const id = Number(value);
      if (id <= MAX_ID) return id;
    }
    throw new BadRequestException(`id must be a positive integer no larger than ${MAX_ID}`);
  }
}
