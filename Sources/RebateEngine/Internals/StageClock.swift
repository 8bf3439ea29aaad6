#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time of each stage, in integer nanoseconds.
struct StageClock {
    private var last = StageClock.now()
    private(set) var laps: [(stage: String, nanoseconds: UInt64)] = []
    /// Records sub-stages measured elsewhere, named `prefix.stage`.
    mutating func record(_ stages: [(stage: String, nanoseconds: UInt64)], prefix: String) {
        laps += stages.map { (prefix + "." + $0.stage, $0.nanoseconds) }
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    mutating func lap(_ stage: String) {
        let t = StageClock.now()
        laps.append((stage, t - last))
        last = t
    }
}
