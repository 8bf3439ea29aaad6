/// Bytewise ordering of UTF-8 strings (Swift's `<` on `String` is Unicode-aware, not bytewise).
enum Bytewise {
    static func less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    static func less(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return less(x, y) }
        return a.count < b.count
    }

    /// The positions of `strings` in bytewise order, equal strings in the order given (a stable
    /// sort), each with whether it equals the string before it in that order.
    ///
    /// Each string is compared by its length and first 16 bytes as big-endian integers, so the
    /// sort compares integers and reads the strings again only where those tie.
    /// - Complexity: O(n log n) integer comparisons, plus full comparisons of strings longer than
    ///   16 bytes whose prefixes tie.
    static func stableOrder(_ strings: [String]) -> [(index: Int, repeatsPrevious: Bool)] {
        struct Entry {
            var high: UInt64
            var low: UInt64
            var length: Int
            var index: Int
        }
        var entries = [Entry]()
        entries.reserveCapacity(strings.count)
        for (i, s) in strings.enumerated() {
            var high: UInt64 = 0
            var low: UInt64 = 0
            var n = 0
            for byte in s.utf8 {
                if n < 8 {
                    high |= UInt64(byte) << (56 - 8 * n)
                } else if n < 16 {
                    low |= UInt64(byte) << (56 - 8 * (n - 8))
                }
                n += 1
            }
            entries.append(Entry(high: high, low: low, length: n, index: i))
        }
        // Equal prefixes: a string of at most 16 bytes is its prefix, padded with zeros, so the
        // shorter sorts first; only two longer strings need their whole bytes compared.
        func same(_ a: Entry, _ b: Entry) -> Bool {
            a.high == b.high && a.low == b.low && a.length == b.length
                && (a.length <= 16 || strings[a.index].utf8.elementsEqual(strings[b.index].utf8))
        }
        entries.sort { a, b in
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            if a.length <= 16 || b.length <= 16 {
                return a.length != b.length ? a.length < b.length : a.index < b.index
            }
            if same(a, b) { return a.index < b.index }
            return less(strings[a.index], strings[b.index])
        }
        return entries.indices.map { k in (entries[k].index, k > 0 && same(entries[k - 1], entries[k])) }
    }
}
