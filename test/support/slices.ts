/** Hand-made slices for tests: one valid function and one valid class, to vary per test. */

import { SLICED_AT } from './test-time.ts';

export function functionSlice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'repo_demo_00001_func',
    type: 'function',
    repository: 'repo_demo',
    file_path: 'inventory/stock.py',
    name: 'reserve',
    start_line: 10,
    end_line: 24,
    code_snippet:
      'def reserve(stock, sku, qty):\n    """Take qty of sku out of stock, or fail."""\n    have = stock.get(sku, 0)\n    if qty <= 0:\n        raise ValueError("qty must be positive")\n    if have < qty:\n        return False\n    stock[sku] = have - qty\n    return True',
    complexity: 'medium',
    context: {
      docstring: 'Take qty of sku out of stock, or fail.',
      parameters: ['stock', 'sku', 'qty'],
      returns: null,
      decorators: [],
    },
    metadata: { sliced_at: SLICED_AT, analyzer_version: '1.0' },
    ...overrides,
  };
}

export function classSlice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'repo_demo_00002_class',
    type: 'class',
    repository: 'repo_demo',
    file_path: 'inventory\\ledger.py',
    name: 'Ledger',
    start_line: 30,
    end_line: 70,
    code_snippet:
      'class Ledger(BaseStore):\n    """An append-only record of stock movements."""\n\n    def __init__(self, path):\n        self.path = path\n\n    def record(self, movement):\n        ...',
    complexity: 'medium',
    context: {
      docstring: 'An append-only record of stock movements.',
      base_classes: ['BaseStore'],
      methods: ['__init__', { name: 'record' }],
      decorators: ['dataclass'],
    },
    metadata: { sliced_at: SLICED_AT, analyzer_version: '1.0' },
    ...overrides,
  };
}

export function jsonl(records: readonly unknown[]): string {
  return records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
}
