// libFuzzer entry point, compiled once together with the library sources and the checks
// (Tests/RebateEngineTests/FuzzChecks.swift) by scripts/fuzz.sh; the
// target (csv, decimal, agreements, ledger, folder, merge, window) is chosen by REBATE_FUZZ_TARGET.
#if canImport(Glibc)
import Glibc
#endif

let fuzzTarget = getenv("REBATE_FUZZ_TARGET").map { String(cString: $0) } ?? "csv"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let broken = FuzzChecks.check(fuzzTarget, bytes)
    if let broken { fatalError("fuzz property broken (\(fuzzTarget)): \(broken)") }
    return 0
}
