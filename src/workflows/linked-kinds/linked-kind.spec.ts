import { defineLinkedKind, type LinkedKind } from './linked-kind';

const base = {
  name: 'notes',
  label: 'Note',
  event: 'note',
  entity: class {},
  dto: class {},
  description: 'Notes',
} as unknown as LinkedKind;

describe('defineLinkedKind', () => {
  it('takes a plain lower-case name and event name', () => {
    expect(defineLinkedKind(base).event).toBe('note');
  });

  it.each(['Note', 'note.created', '', 'workflow', 'deletion', '1note'])(
    'refuses the event name %j',
    (event) => {
      expect(() => defineLinkedKind({ ...base, event })).toThrow(/a linked kind's event must/);
    },
  );
});
