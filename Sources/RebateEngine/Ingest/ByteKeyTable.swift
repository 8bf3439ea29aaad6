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

/// One slot of the lookup layout: the key's first 16 bytes as two words (zero above its length), so
/// a probe reads one slot and compares keys of up to 16 bytes (nearly every partner and product id) as
/// two integers; longer keys compare their remaining bytes in the arena.
struct LookupSlot {
    var head0: UInt64 = 0
    var head1: UInt64 = 0
    var value: Int32 = -1 // -1: empty
    var offsetAndLength: UInt32 = 0 // arena offset << 7 | key length (ids are at most 64 bytes)
}

extension ByteKeyTable {
    /// A read-only, pointer-based view for lookups from many threads at once.
    ///
    /// Open addressing over 24-byte slots that hold the key's head, filled to at most 5/8: a lookup
    /// is one random read, where a slot holding only a hash needs a second one for the key. When the
    /// keys are numbered (``NumberedKeys``), a lookup reads the number and a small array instead.
    /// `@unchecked Sendable`: valid only inside ``withLookup(_:)``, during which the table is not mutated.
    struct Lookup {
        let slots: UnsafeBufferPointer<LookupSlot>
        let arena: UnsafeBufferPointer<UInt8>
        let mask: Int
        let numbered: NumberedKeys?

        /// The first 16 bytes of `p[start..<start+length]` as two words, zero above the key's length.
        @inline(__always)
        static func heads(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> (UInt64, UInt64) {
            if length == 0 { return (0, 0) }
            let w0 = ByteKeyTable.word(p, start, min(length, 8))
            let w1 = length > 8 ? ByteKeyTable.word(p, start + 8, min(length - 8, 8)) : 0
            return (w0, w1)
        }

        /// The lookup hash: the two head words and the length for keys of up to 16 bytes, the whole key beyond.
        @inline(__always)
        static func hash(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int, _ h0: UInt64, _ h1: UInt64)
            -> UInt64
        {
            if length > 16 { return ByteKeyTable.hash(p, start, start + length) }
            var h = (h0 &* 0x9E37_79B9_7F4A_7C15) ^ (h1 &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
            h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
            return h ^ (h >> 32)
        }

        /// The value for the key `p[start..<end]`, or -1.
        @inline(__always)
        func find(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
            if let numbered { return numbered.find(p, start, end) }
            return findHashed(p, start, end)
        }

        /// ``find(_:_:_:)`` in the hash table: out of line, so that the numbered look-up inlines alone.
        @inline(never)
        func findHashed(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
            let length = end - start
            let (h0, h1) = Self.heads(p, start, length)
            var s = Int(truncatingIfNeeded: Self.hash(p, start, length, h0, h1)) & mask
            while true {
                let slot = slots[s]
                if slot.value < 0 { return -1 }
                if slot.head0 == h0, slot.head1 == h1, Int(slot.offsetAndLength & 127) == length,
                    length <= 16
                        || ByteKeyTable.equal(
                            arena, Int(slot.offsetAndLength >> 7) + 16, p, start + 16, length - 16)
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

    /// Keys that are all one prefix then a fixed count of decimal digits (`P000123`, `SKU-04711`), whose
    /// numbers span a range at most four times their count: the value of each number in that range.
    ///
    /// A key of that shape is in the table exactly when its number's value is not -1, and a key of
    /// another shape is not in it, so a lookup reads the digits and one array of 4 bytes a number.
    /// The hash table's slots take 24 bytes a slot at 5/8 load: 50,000 partner ids take 3 MiB of
    /// slots, out of cache, against 200 KB of numbers.
    struct NumberedKeys {
        let length: Int
        /// The prefix: the first `prefix.count` bytes of a key, in the table's arena.
        let prefix: (arena: UnsafeBufferPointer<UInt8>, start: Int, count: Int)
        let lowest: Int
        let values: UnsafeBufferPointer<Int32>

        /// The value for the key `p[start..<end]`, or -1.
        @inline(__always)
        func find(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
            guard end - start == length, ByteKeyTable.equal(prefix.arena, prefix.start, p, start, prefix.count)
            else { return -1 }
            var number = 0
            for i in start + prefix.count..<end {
                let digit = p[i] &- UInt8(ascii: "0")
                guard digit < 10 else { return -1 }
                number = number &* 10 &+ Int(digit)
            }
            let n = number &- lowest
            guard n >= 0, n < values.count else { return -1 }
            return values[n]
        }

        /// How `keys` (`offsets`, `lengths` into `arena`; `values` theirs) are numbered, if they are: the
        /// prefix's length, the lowest number, and the value of each number from the lowest on.
        static func numbering(
            arena: UnsafeBufferPointer<UInt8>, offsets: [Int], lengths: [Int32], values: [Int32]
        ) -> (prefixLength: Int, lowest: Int, values: [Int32])? {
            guard let first = offsets.first, let length = lengths.first.map(Int.init),
                lengths.allSatisfy({ $0 == length })
            else { return nil }
            // The longest prefix every key shares, less any digits at its end: the rest must be digits.
            var prefixLength = length
            for o in offsets.dropFirst() {
                var k = 0
                while k < prefixLength, arena[o + k] == arena[first + k] { k += 1 }
                prefixLength = k
            }
            while prefixLength > 0, arena[first + prefixLength - 1] &- UInt8(ascii: "0") < 10 { prefixLength -= 1 }
            // At most 18 digits: every number fits an Int.
            guard (1...18).contains(length - prefixLength) else { return nil }
            var numbers: [Int] = []
            numbers.reserveCapacity(offsets.count)
            for o in offsets {
                var number = 0
                for i in o + prefixLength..<o + length {
                    let digit = arena[i] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    number = number * 10 + Int(digit)
                }
                numbers.append(number)
            }
            guard let lowest = numbers.min(), let highest = numbers.max(),
                highest - lowest < max(1024, 4 * numbers.count)
            else { return nil }
            var table = [Int32](repeating: -1, count: highest - lowest + 1)
            for (n, v) in zip(numbers, values) { table[n - lowest] = v }
            return (prefixLength, lowest, table)
        }
    }

    func withLookup<R>(_ body: (Lookup) -> R) -> R {
        // Keys longer than 127 bytes or an arena over 32 MiB do not fit the packed slot;
        // ids are at most 64 bytes, and the arena holds each id once.
        precondition(arena.count < 1 << 25 && lengths.allSatisfy { $0 < 128 }, "ids too long for the lookup layout")
        precondition(values.allSatisfy { $0 >= 0 }, "a lookup value of -1 marks an empty slot")
        var size = 16
        while size * 5 < values.count * 8 { size <<= 1 }
        let mask = size - 1
        var packed = [LookupSlot](repeating: LookupSlot(), count: size)
        arena.withUnsafeBufferPointer { arena in
            for e in 0..<values.count {
                let start = offsets[e]
                let length = Int(lengths[e])
                let (h0, h1) = Lookup.heads(arena, start, length)
                var s = Int(truncatingIfNeeded: Lookup.hash(arena, start, length, h0, h1)) & mask
                while packed[s].value >= 0 { s = (s + 1) & mask }
                packed[s] = LookupSlot(
                    head0: h0, head1: h1, value: values[e], offsetAndLength: UInt32(start) << 7 | UInt32(length))
            }
        }
        return packed.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                guard let n = NumberedKeys.numbering(arena: arena, offsets: offsets, lengths: lengths, values: values)
                else {
                    return body(Lookup(slots: slots, arena: arena, mask: mask, numbered: nil))
                }
                return n.values.withUnsafeBufferPointer { numbers in
                    let numbered = NumberedKeys(
                        length: Int(lengths[0]), prefix: (arena, offsets[0], n.prefixLength), lowest: n.lowest,
                        values: numbers)
                    return body(Lookup(slots: slots, arena: arena, mask: mask, numbered: numbered))
                }
            }
        }
    }
}
