import type { Row } from './row.ts';
export default async function x(): Promise<Row[]> { return []; }
