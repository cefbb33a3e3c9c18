declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

declare module 'lerc' {
  interface LercResult {
    width: number;
    height: number;
    pixels: Array<
      Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array
    >;
    mask: Uint8Array | null;
    dimCount?: number;
  }
  const Lerc: { decode(buffer: ArrayBuffer, options?: { inputOffset?: number }): LercResult };
  export default Lerc;
}
