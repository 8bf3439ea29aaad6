#if canImport(Glibc)
import Glibc
#endif

/// Stops a run that would not fit in memory before it loads anything, instead of the kernel
/// killing it halfway (SPEC section 9's shards are the way past it).
///
/// The estimate is from the input's size: CSV lines cost about 56 bytes of memory a line at peak
/// (51 bytes of text a line), the columnar file about 31 bytes a line (28 stored); see
/// docs/performance.md. Those are rounded up here, so the guard errs on the side of stopping.
public enum MemoryGuard {
    /// The environment variable that overrides the memory available, in bytes (tests force a small limit).
    public static let limitVariable = "REBATE_MEMORY_LIMIT"

    /// Peak memory of a run over `csvBytes` of CSV lines or `columnarBytes` of columnar file, in bytes.
    public static func estimate(csvBytes: UInt64, columnarBytes: UInt64) -> UInt64 {
        // CSV: 56/51 bytes of memory a byte of text, rounded up to 6/5; columnar: 31/28, rounded up to 6/5.
        let input = csvBytes / 5 * 6 + columnarBytes / 5 * 6
        // The process itself, master data and agreements: a fixed 64 MiB.
        return input + 64 << 20
    }

    /// The memory this process may use: the smallest of MemAvailable, the cgroup's limit, and `REBATE_MEMORY_LIMIT`.
    public static func available() -> UInt64 {
        var limit = UInt64.max
        if let text = getenv(limitVariable).map({ String(cString: $0) }), let v = UInt64(text) { limit = v }
        if let max = firstNumber(path: "/sys/fs/cgroup/memory.max", key: nil) { limit = min(limit, max) }
        if let kb = firstNumber(path: "/proc/meminfo", key: "MemAvailable:") { limit = min(limit, kb * 1024) }
        return limit
    }

    /// Throws when the dataset's lines would not fit, naming the estimate and a shard count that would.
    /// - Throws: ``RebateError/io(path:reason:)`` (exit 74).
    public static func check(dataset folder: String, columnar: Bool) throws(RebateError) {
        let store = TransactionSource.join(folder, ColumnarFile.fileName)
        var csv: UInt64 = 0
        var mapped: UInt64 = 0
        let segments = ColumnarStore.storePath(folder)
        if columnar, ColumnarStore.exists(folder) {
            let names = (try? TransactionSource.listFiles(segments)) ?? []
            mapped = names.filter { $0.hasSuffix(".rbc") }.reduce(0) {
                $0 + (ColumnarFile.sourceStamp(TransactionSource.join(segments, $1))?.size ?? 0)
            }
        } else if columnar, let s = ColumnarFile.sourceStamp(store) {
            mapped = s.size
        } else if let source = try TransactionSource.find(in: folder) {
            csv = source.files.reduce(0) { $0 + (ColumnarFile.sourceStamp(source.path($1))?.size ?? 0) }
        }
        let need = estimate(csvBytes: csv, columnarBytes: mapped)
        let have = available()
        guard need > have else { return }
        // Shards each need about need/N; leave a fifth of the memory free.
        let usable = max(1, have / 5 * 4)
        let shards = (need + usable - 1) / usable
        throw .io(
            path: folder,
            reason: "this run needs about \(gigabytes(need)) of memory and \(gigabytes(have)) is available; "
                + "run `rebate split \(folder) --shards \(max(2, shards)) --out DIR` and accrue each shard "
                + "(docs/scale-out.md), or free memory")
    }

    static func gigabytes(_ bytes: UInt64) -> String {
        DecimalText.plain(Int128(bytes / (1 << 20)) * 1000 / 1024, scale: 3) + " GiB"
    }

    /// The number after `key` on its line (or the file's first number when `key` is nil).
    private static func firstNumber(path: String, key: String?) -> UInt64? {
        guard let bytes = try? FileBytes.contents(path) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n") where key == nil || line.hasPrefix(key!) {
            let digits = line.drop { !$0.isNumber }.prefix { $0.isNumber }
            return UInt64(digits)
        }
        return nil
    }
}
