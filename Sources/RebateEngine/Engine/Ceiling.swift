import Dispatch
import Synchronization

/// What this machine allows for a pass over the lines, measured in process, so that a stage's
/// time can be reported as a multiple of it on any machine (`rebate-bench`).
///
/// Two floors: a plain read of every column (memory bandwidth), and the least work an
/// aggregation by partner and month does (each line's amount added to its partner's month,
/// per-thread tables merged at the end). The engine does more per line (scopes, tiers, gates,
/// pallets, several agreements a line), so its time over these says how much of that is overhead.
/// A benchmark floor, not part of the library's API: `@_spi(Benchmarks)` keeps it out of the
/// public surface while `rebate-bench` (and the tests) still reach it.
@_spi(Benchmarks) public enum Ceiling {
    /// Sums every column once, in parallel; returns the sum (so the work is not optimised away).
    /// - Complexity: O(lines), 28 bytes read a line.
    public static func readPass(_ columns: TransactionColumns, threads: Int) -> Int64 {
        let n = columns.count
        let pieces = max(1, min(threads * 8, n / 65_536 + 1))
        let total = Atomic<Int64>(0)
        columns.withUnsafeColumns { c in
            let shared = UnsafeTransfer(c) // read-only: the columns outlive concurrentPerform
            DispatchQueue.concurrentPerform(iterations: pieces) { k in
                let c = shared.wrappedValue
                var s: Int64 = 0
                for i in (n * k / pieces)..<(n * (k + 1) / pieces) {
                    s &+= Int64(c.partner[i]) &+ Int64(c.product[i]) &+ Int64(c.day[i]) &+ c.quantity[i] &+ c.amount[i]
                }
                total.add(s, ordering: .relaxed)
            }
        }
        return total.load(ordering: .relaxed)
    }

    /// Maps a file as the CSV reader does and reads every byte once, in parallel over 4 MiB pieces
    /// (the reader's chunk size), dropping each piece's pages once read as the reader does; returns
    /// the sum of its 8-byte words. The floor for parsing that file: what mapping and reading its
    /// bytes costs on this machine, with none of the parsing.
    /// - Complexity: O(bytes).
    public static func fileReadPass(path: String, threads: Int) throws(RebateError) -> UInt64 {
        let file = try FileBytes(path: path)
        let bytes = file.buffer
        let piece = 4 << 20
        let pieces = (bytes.count + piece - 1) / piece
        let total = Atomic<UInt64>(0)
        withExtendedLifetime(file) {
            // Read-only: the mapping outlives concurrentPerform and nothing writes it.
            let shared = UnsafeTransfer(bytes)
            DispatchQueue.concurrentPerform(iterations: pieces) { k in
                let bytes = shared.wrappedValue
                let from = k * piece
                let to = min(bytes.count, from + piece)
                let raw = UnsafeRawPointer(bytes.baseAddress!)
                var s: UInt64 = 0
                var i = from
                while i + 8 <= to {
                    s &+= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    i += 8
                }
                while i < to {
                    s &+= UInt64(bytes[i])
                    i += 1
                }
                if file.isMapped { FileBytes.release(bytes, from..<to) }
                total.wrappingAdd(s, ordering: .relaxed)
            }
        }
        return total.load(ordering: .relaxed)
    }

    /// Adds each line's amount into its partner's calendar month, in parallel with one table a
    /// worker, merged at the end; returns the merged table (`partner * 60 + month`).
    ///
    /// Months are counted from two years before the first line's year, for five years; lines
    /// outside fall into the first or last month.
    /// - Complexity: O(lines + threads × partners × 60).
    public static func scatterAdd(_ columns: TransactionColumns, partners: Int, threads: Int) -> [Int64] {
        let n = columns.count
        let months = 60
        let reference = n > 0 ? CivilDate(dayNumber: columns.withUnsafeColumns { $0.day[0] }) : CivilDate("2026-01-01")!
        let firstMonth = reference.monthIndex / 12 * 12 - 24
        let first = CivilDate.firstDay(ofMonthIndex: firstMonth)
        let days = Int(CivilDate.firstDay(ofMonthIndex: firstMonth + months).dayNumber - first.dayNumber)
        let monthOfDay = (0..<days).map {
            Int32(CivilDate(dayNumber: first.dayNumber + Int32($0)).monthIndex - first.monthIndex)
        }
        let workers = max(1, min(threads, n / 65_536 + 1))
        let merged = Mutex([Int64](repeating: 0, count: partners * months))
        let base = first.dayNumber
        columns.withUnsafeColumns { c in
            let shared = UnsafeTransfer(c) // read-only: the columns outlive concurrentPerform
            DispatchQueue.concurrentPerform(iterations: workers) { k in
                let c = shared.wrappedValue
                var table = [Int64](repeating: 0, count: partners * months)
                monthOfDay.withUnsafeBufferPointer { m in
                    table.withUnsafeMutableBufferPointer { t in
                        for i in (n * k / workers)..<(n * (k + 1) / workers) {
                            let d = min(max(Int(c.day[i] - base), 0), days - 1)
                            let slot = Int(c.partner[i]) * months + Int(m[d])
                            assert(slot < t.count)
                            t[slot] &+= c.amount[i]
                        }
                    }
                }
                merged.withLock { all in for j in all.indices { all[j] &+= table[j] } }
            }
        }
        return merged.withLock { $0 }
    }
}
