/// The fused fast path for files in the canonical column order
/// (`line_id,date,partner_id,product_id,quantity,amount`, optionally followed by `currency`, nothing
/// else), the order data-gen, the exports and most ERPs write.
///
/// Each byte is read once: a field is found and parsed in the same walk, with no table of field
/// ranges and no second pass. It accepts only what is plainly good (ASCII, unquoted, numbers in
/// their usual form, a known partner and product, a listed currency with a rate on the line's date);
/// anything else returns `nil` and the record goes through the general paths, which accept what this
/// one would have and name every reason otherwise. So this path changes speed only: the general
/// paths are the reference for every byte it skips.
extension TransactionCSVReader {
    /// One accepted canonical record.
    struct CanonicalLine {
        var partner: Int32
        var product: Int32
        var day: Int32
        var quantity: Int64
        /// In the book currency (a foreign line's converted amount).
        var amount: Int64
        /// 0 for the book currency, `k` for listed currency `k - 1`; and the amount as written in it.
        var currency: Int
        var invoiced: Int64
        var idHash: UInt64
        /// Where the record's line break is (or the end of the bytes).
        var lineEnd: Int
    }

    /// Whether a file's header is exactly the six required columns in their canonical order, with
    /// or without a `currency` column after them.
    static func isCanonical(_ cx: Context) -> Bool {
        (cx.fieldCount == 6 && cx.columns == [0, 1, 2, 3, 4, 5, -1, -1])
            || (cx.fieldCount == 7 && cx.columns == [0, 1, 2, 3, 4, 5, 6, -1])
    }

    /// The record starting at `p`, when it is plainly good; `nil` sends it to the general paths.
    ///
    /// `ids` are `cx`'s look-ups, which the caller reads into locals once, before its loop (the reason
    /// is given there).
    @inline(__always)
    static func canonicalRecord(
        _ cx: Context, ids: (partners: ByteKeyTable.Lookup, products: ByteKeyTable.Lookup),
        _ base: UnsafePointer<UInt8>, _ p: Int, _ n: Int
    ) -> CanonicalLine? {
        let comma = UInt8(ascii: ",")
        // line_id: 1...64 ASCII bytes.
        let e0 = delimiter(base, p, n)
        guard e0 < n, base[e0] == comma, e0 > p, e0 - p <= 64 else { return nil }
        // date: exactly YYYY-MM-DD.
        let d = e0 + 1
        guard d + 10 < n, base[d + 10] == comma, let day = CivilDate.dayNumber(base + d, monthStarts: cx.monthStarts)
        else { return nil }
        // partner_id and product_id: known ids.
        let s2 = d + 11
        let e2 = delimiter(base, s2, n)
        guard e2 < n, base[e2] == comma else { return nil }
        let bytes = cx.bytes
        let partner = ids.partners.find(bytes, s2, e2)
        guard partner >= 0 else { return nil }
        let s3 = e2 + 1
        let e3 = delimiter(base, s3, n)
        guard e3 < n, base[e3] == comma else { return nil }
        let product = ids.products.find(bytes, s3, e3)
        guard product >= 0 else { return nil }
        // quantity (3 decimals); then the amount, in the book currency's decimals or, when a currency
        // column names a listed one, in that currency's, converted at its date's rate (SPEC section 11).
        guard let (quantity, e4) = DecimalText.parsePrefix(base, e3 + 1, n, maxFraction: 3), e4 < n, base[e4] == comma
        else {
            return nil
        }
        let s5 = e4 + 1
        var currency = 0
        var invoiced: Int64
        var last: Int
        if cx.fieldCount == 7 {
            let e5 = delimiter(base, s5, n)
            guard e5 < n, base[e5] == comma else { return nil }
            let s6 = e5 + 1
            last = delimiter(base, s6, n)
            var e6 = last
            if e6 > s6, base[e6 - 1] == 13, e6 < n, base[e6] == 10 { e6 -= 1 }
            if e6 > s6, !Self.equal(bytes, s6, e6, cx.bookCurrency) {
                guard let k = cx.rates.index(of: bytes, s6, e6) else { return nil }
                currency = k
            }
            let decimals = currency == 0 ? cx.decimals : cx.rates.currencies[currency - 1].decimals
            guard let (a, end) = DecimalText.parsePrefix(base, s5, n, maxFraction: decimals), end == e5 else {
                return nil
            }
            invoiced = a
            if e6 < last { last = e6 }
        } else {
            guard let (a, e5) = DecimalText.parsePrefix(base, s5, n, maxFraction: cx.decimals) else { return nil }
            invoiced = a
            last = e5
        }
        guard !((quantity > 0 && invoiced < 0) || (quantity < 0 && invoiced > 0)) else { return nil }
        var amount = invoiced
        if currency > 0 {
            guard
                case .success(let book) = cx.rates.convert(
                    invoiced, currency: currency, day: day, bookDecimals: cx.decimals)
            else { return nil }
            amount = book
        }
        var lineEnd = last
        if last < n, base[last] != 10 {
            guard base[last] == 13, last + 1 < n, base[last + 1] == 10 else { return nil }
            lineEnd = last + 1
        }
        return CanonicalLine(
            partner: partner, product: product, day: day, quantity: quantity, amount: amount, currency: currency,
            invoiced: invoiced, idHash: ByteKeyTable.hash(bytes, p, e0), lineEnd: lineEnd)
    }

    /// The first byte at or after `p` that is a comma, a line feed, a quote or not ASCII (or `n`):
    /// eight bytes at a time, the first flagged byte exact.
    @inline(__always)
    static func delimiter(_ base: UnsafePointer<UInt8>, _ p: Int, _ n: Int) -> Int {
        var p = p
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let raw = UnsafeRawPointer(base)
        while p + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: p, as: UInt64.self).littleEndian
            let comma = w ^ (ones &* 44)
            let newline = w ^ (ones &* 10)
            let quote = w ^ (ones &* 34)
            let m = ((comma &- ones) & ~comma | (newline &- ones) & ~newline | (quote &- ones) & ~quote | w) & highs
            if m != 0 { return p + m.trailingZeroBitCount >> 3 }
            p += 8
        }
        while p < n {
            let c = base[p]
            if c == 44 || c == 10 || c == 34 || c >= 0x80 { return p }
            p += 1
        }
        return n
    }
}
