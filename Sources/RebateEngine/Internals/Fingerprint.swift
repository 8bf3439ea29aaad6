/// A 64-bit FNV-1a fingerprint of byte strings, as 16 hex digits: identifies inputs, not a security hash.
struct Fingerprint {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for b in bytes { mix(UInt64(b)) }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        mix(0xff)
    }

    /// One FNV-1a step on a whole 64-bit word (a size or a time), not byte by byte.
    mutating func mix(_ word: UInt64) { value = (value ^ word) &* 0x100_0000_01b3 }

    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The fingerprint of a shard's own inputs: its partners, products and agreements files.
    static func shardInputs(partners: [UInt8], products: [UInt8], agreements: [UInt8]) -> String {
        var f = Fingerprint()
        f.add(partners)
        f.add(products)
        f.add(agreements)
        return f.hex
    }
}
