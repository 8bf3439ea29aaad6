// libFuzzer entry point, compiled once together with the library sources by scripts/fuzz.sh; the
// target (csv, decimal, agreements, ledger, folder, merge, window) is chosen by REBATE_FUZZ_TARGET.
#if canImport(Glibc)
import Glibc
#endif

let fuzzTarget = getenv("REBATE_FUZZ_TARGET").map { String(cString: $0) } ?? "csv"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let broken: String?
    switch fuzzTarget {
    case "decimal": broken = FuzzChecks.decimal(bytes)
    case "agreements": broken = FuzzChecks.agreements(bytes)
    case "ledger": broken = FuzzChecks.ledger(bytes)
    case "folder": broken = FuzzChecks.folder(bytes)
    case "merge": broken = FuzzChecks.merge(bytes)
    case "window": broken = FuzzChecks.window(bytes)
    default: broken = FuzzChecks.csv(bytes)
    }
    if let broken { fatalError("fuzz property broken (\(fuzzTarget)): \(broken)") }
    return 0
}
