export declare const hidden: unique symbol;

/**
 * The type of an entity column that the API never shows (declare it with `select: false`):
 * `Row<E>` (table-mapping.ts) leaves it out.
 */
export type Hidden<T> = T & { readonly [hidden]?: never };
