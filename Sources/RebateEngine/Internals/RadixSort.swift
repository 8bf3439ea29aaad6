/// An entry sorted by ``RadixSort/byHash(_:)``.
protocol HashKeyed {
    var hash: UInt64 { get }
}

enum RadixSort {
    /// The entries sorted by hash, equal hashes kept in their order: a stable radix sort, four passes
    /// of 16 bits (a comparison sort of millions of entries took most of an import's time).
    /// - Complexity: O(entries).
    static func byHash<T: HashKeyed>(_ entries: [T]) -> [T] {
        var from = entries
        var to = entries
        var counts = [Int](repeating: 0, count: 1 << 16 + 1)
        for pass in 0..<4 {
            let shift = UInt64(16 * pass)
            for i in counts.indices { counts[i] = 0 }
            for e in from { counts[Int((e.hash >> shift) & 0xFFFF) + 1] += 1 }
            for d in 0..<(1 << 16) { counts[d + 1] += counts[d] }
            for e in from {
                let d = Int((e.hash >> shift) & 0xFFFF)
                to[counts[d]] = e
                counts[d] += 1
            }
            swap(&from, &to)
        }
        return from
    }
}
