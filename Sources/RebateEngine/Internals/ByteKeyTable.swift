/// An open-addressing hash table from byte strings to dense `Int32` values.
///
/// Ids arrive as bytes from the CSV; a `Dictionary<String, _>` would build a
/// `String` per line. Keys are copied into one arena, so the table is a few
/// flat arrays with no per-key allocation.
struct ByteKeyTable {
    private var slots: [Int32]          // index into entries, -1 when empty
    private var hashes: [UInt64] = []
    private var offsets: [Int] = []
    private var lengths: [Int32] = []
    private var values: [Int32] = []
    private var arena: [UInt8] = []
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { values.count }

    /// Little-endian word of `count` (1...8) bytes at `i`, zero above; one load when 8 bytes can be read.
    @inline(__always)
    static func word(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ count: Int) -> UInt64 {
        assert(count >= 1 && count <= 8 && i + count <= p.count)
        if i + 8 <= p.count {
            let w = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self).littleEndian
            return count == 8 ? w : w & ((1 << UInt64(8 * count)) - 1)
        }
        var w: UInt64 = 0
        for k in 0..<count { w |= UInt64(p[i + k]) << (8 * UInt64(k)) }
        return w
    }

    @inline(__always)
    static func hash(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: end - start)
        var i = start
        while i + 8 <= end {
            h = (h ^ word(p, i, 8)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        let w: UInt64 = i < end ? word(p, i, end - i) : 0
        h = (h ^ w) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        return h
    }

    /// The value stored for the key, or `nil`.
    func find(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32? {
        let h = ByteKeyTable.hash(p, start, end)
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 { return nil }
            if hashes[e] == h, equal(e, p, start, end) { return values[e] }
            s = (s + 1) & mask
        }
    }

    /// Inserts the key with `value` unless present; returns the value already stored, if any.
    @discardableResult
    mutating func insert(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, value: Int32) -> Int32? {
        let h = ByteKeyTable.hash(p, start, end)
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 { break }
            if hashes[e] == h, equal(e, p, start, end) { return values[e] }
            s = (s + 1) & mask
        }
        slots[s] = Int32(values.count)
        hashes.append(h)
        offsets.append(arena.count)
        lengths.append(Int32(end - start))
        arena.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<end]))
        values.append(value)
        if values.count * 2 > slots.count { grow() }
        return nil
    }

    /// Convenience for keys held as Swift strings.
    mutating func insert(_ key: String, value: Int32) -> Int32? {
        var key = key
        return key.withUTF8 { insert($0, 0, $0.count, value: value) }
    }

    func find(_ key: String) -> Int32? {
        var key = key
        return key.withUTF8 { find($0, 0, $0.count) }
    }

    private func equal(_ e: Int, _ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let length = Int(lengths[e])
        guard length == end - start else { return false }
        let o = offsets[e]
        for k in 0..<length where arena[o + k] != p[start + k] { return false }
        return true
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        for e in 0..<values.count {
            var s = Int(truncatingIfNeeded: hashes[e]) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(e)
        }
    }
}

extension ByteKeyTable {
    /// A read-only, pointer-based view for lookups from many threads at once.
    ///
    /// `@unchecked Sendable`: valid only inside ``withLookup(_:)``, during which
    /// the table is not mutated.
    struct Lookup: @unchecked Sendable {
        let slots: UnsafeBufferPointer<Int32>
        let hashes: UnsafeBufferPointer<UInt64>
        let offsets: UnsafeBufferPointer<Int>
        let lengths: UnsafeBufferPointer<Int32>
        let values: UnsafeBufferPointer<Int32>
        let arena: UnsafeBufferPointer<UInt8>
        let mask: Int

        /// The value for the key `p[start..<end]`, or -1.
        @inline(__always)
        func find(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
            let h = ByteKeyTable.hash(p, start, end)
            var s = Int(truncatingIfNeeded: h) & mask
            let length = end - start
            while true {
                let e = Int(slots[s])
                if e < 0 { return -1 }
                if hashes[e] == h, Int(lengths[e]) == length {
                    let o = offsets[e]
                    var same = true
                    for k in 0..<length where arena[o + k] != p[start + k] { same = false; break }
                    if same { return values[e] }
                }
                s = (s + 1) & mask
            }
        }
    }

    func withLookup<R>(_ body: (Lookup) -> R) -> R {
        slots.withUnsafeBufferPointer { slots in
        hashes.withUnsafeBufferPointer { hashes in
        offsets.withUnsafeBufferPointer { offsets in
        lengths.withUnsafeBufferPointer { lengths in
        values.withUnsafeBufferPointer { values in
        arena.withUnsafeBufferPointer { arena in
            body(Lookup(slots: slots, hashes: hashes, offsets: offsets, lengths: lengths, values: values, arena: arena, mask: mask))
        }
        }
        }
        }
        }
        }
    }
}
