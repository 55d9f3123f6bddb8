/**
 * munkres 2.0.4 (Hungarian algorithm) has a CommonJS build, dist/munkres.cjs, that sets `exports.default`; its
 * own declarations are typed as an ES module (the package is "type": "module"), which a CommonJS project under
 * node16 resolution cannot import. This states the one function Framewire uses, as the CommonJS build has it.
 */
declare module 'munkres' {
  /** Minimum-cost assignment of rows to columns of a (rectangular) cost matrix: [row, column] pairs. */
  export default function munkres(costMatrix: readonly (readonly number[])[]): [number, number][];
}
