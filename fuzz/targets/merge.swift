// libFuzzer entry point, compiled together with the library sources by scripts/fuzz.sh.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let broken = FuzzChecks.merge(bytes) {
        fatalError("fuzz property broken: \(broken)")
    }
    return 0
}
