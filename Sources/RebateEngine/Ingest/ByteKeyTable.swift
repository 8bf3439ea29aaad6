/// An open-addressing hash table from byte strings to dense `Int32` values.
///
/// Ids arrive as bytes from the CSV; a `Dictionary<String, _>` would build a
/// `String` per line. Keys are copied into one arena, so the table is a few
/// flat arrays with no per-key allocation.
struct ByteKeyTable {
    private var slots: [Int32] // index into entries, -1 when empty
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

/// One slot of the lookup layout: 16 bytes, four to a cache line, so a probe
/// touches one line and only a match touches the key bytes.
struct LookupSlot {
    var hash: UInt64 = 0
    var value: Int32 = -1 // -1: empty
    var offsetAndLength: UInt32 = 0 // arena offset << 7 | key length (ids are at most 64 bytes)
}

extension ByteKeyTable {
    /// A read-only, pointer-based view for lookups from many threads at once.
    ///
    /// `@unchecked Sendable`: valid only inside ``withLookup(_:)``, during which
    /// the table is not mutated.
    struct Lookup {
        let slots: UnsafeBufferPointer<LookupSlot>
        let arena: UnsafeBufferPointer<UInt8>
        let mask: Int

        /// The value for the key `p[start..<end]`, or -1.
        @inline(__always)
        func find(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
            let h = ByteKeyTable.hash(p, start, end)
            var s = Int(truncatingIfNeeded: h) & mask
            let length = end - start
            while true {
                let slot = slots[s]
                if slot.value < 0 { return -1 }
                if slot.hash == h, Int(slot.offsetAndLength & 127) == length,
                    ByteKeyTable.equal(arena, Int(slot.offsetAndLength >> 7), p, start, length)
                {
                    return slot.value
                }
                s = (s + 1) & mask
            }
        }
    }

    /// Whether `a[i..<i+n]` equals `b[j..<j+n]`, eight bytes at a time: the last word overlaps the
    /// one before it rather than reading past the key, so no byte outside either range is read.
    @inline(__always)
    static func equal(
        _ a: UnsafeBufferPointer<UInt8>, _ i: Int, _ b: UnsafeBufferPointer<UInt8>, _ j: Int, _ n: Int
    ) -> Bool {
        guard n >= 8 else {
            for k in 0..<n where a[i + k] != b[j + k] { return false }
            return true
        }
        let x = UnsafeRawPointer(a.baseAddress!)
        let y = UnsafeRawPointer(b.baseAddress!)
        var k = 0
        while k + 8 <= n {
            if x.loadUnaligned(fromByteOffset: i + k, as: UInt64.self)
                != y.loadUnaligned(fromByteOffset: j + k, as: UInt64.self)
            {
                return false
            }
            k += 8
        }
        return k == n
            || x.loadUnaligned(fromByteOffset: i + n - 8, as: UInt64.self)
                == y.loadUnaligned(fromByteOffset: j + n - 8, as: UInt64.self)
    }

    func withLookup<R>(_ body: (Lookup) -> R) -> R {
        // Keys longer than 127 bytes or an arena over 32 MiB do not fit the packed slot;
        // ids are at most 64 bytes, and the arena holds each id once.
        precondition(arena.count < 1 << 25 && lengths.allSatisfy { $0 < 128 }, "ids too long for the lookup layout")
        var packed = [LookupSlot](repeating: LookupSlot(), count: slots.count)
        for (s, e) in slots.enumerated() where e >= 0 {
            let entry = Int(e)
            packed[s] = LookupSlot(
                hash: hashes[entry], value: values[entry],
                offsetAndLength: UInt32(offsets[entry]) << 7 | UInt32(lengths[entry]))
        }
        return packed.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in body(Lookup(slots: slots, arena: arena, mask: mask)) }
        }
    }
}
