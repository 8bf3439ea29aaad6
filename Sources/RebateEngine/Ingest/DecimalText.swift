/// Why a decimal text was refused.
enum DecimalTextError: Error, Equatable {
    case syntax
    case tooManyDecimals(max: Int)
    case tooLarge
}

/// Parsing and printing of plain decimals as scaled integers.
///
/// No Foundation number parsing is used: `"0.1"` must mean exactly one tenth,
/// and the hot path must not allocate.
enum DecimalText {
    /// The largest number of integer digits accepted (values below 10^12).
    static let maxIntegerDigits = 12

    static let powersOfTen: [Int64] = (0...18).map { p in (0..<p).reduce(Int64(1)) { acc, _ in acc * 10 } }

    /// Parses `-?digits(.digits)?` into `value * 10^scale`.
    ///
    /// At most `maxFraction` fraction digits are accepted (trailing zeros count,
    /// since the contract limits what is *written*), and the magnitude must be
    /// below 10^12 (10^`maxInteger`). `scale` must be at least `maxFraction`.
    /// - Parameter maxInteger: the most significant integer digits (12 for amounts and quantities;
    ///   rates take 8 with a scale of 10); `maxInteger + scale` is at most 18, so the value fits `Int64`.
    @inline(__always)
    static func parse(
        _ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, maxFraction: Int, scale: Int,
        maxInteger: Int = maxIntegerDigits
    ) -> Result<Int64, DecimalTextError> {
        assert(scale >= maxFraction && maxInteger + scale <= 18)
        var i = start
        guard i < end else { return .failure(.syntax) }
        var negative = false
        if b[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        var integer: Int64 = 0
        var integerDigits = 0
        var significant = 0
        while i < end, b[i] &- 48 < 10 {
            let d = Int64(b[i] &- 48)
            if significant > 0 || d != 0 { significant += 1 }
            if significant <= maxInteger { integer = integer * 10 + d }
            integerDigits += 1
            i += 1
        }
        guard integerDigits > 0 else { return .failure(.syntax) }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if i < end, b[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < end, b[i] &- 48 < 10 {
                if fractionDigits < 18 {
                    fraction = fractionDigits < scale ? fraction * 10 + Int64(b[i] &- 48) : fraction
                }
                fractionDigits += 1
                i += 1
            }
            guard i > fractionStart else { return .failure(.syntax) }
        }
        guard i == end else { return .failure(.syntax) }
        if significant > maxInteger { return .failure(.tooLarge) }
        if fractionDigits > maxFraction { return .failure(.tooManyDecimals(max: maxFraction)) }
        let value = integer * powersOfTen[scale] + fraction * powersOfTen[scale - fractionDigits]
        return .success(negative ? -value : value)
    }

    /// `-?d{1,12}(.d{1,maxFraction})?` starting at `i` and ending wherever the digits do, scaled by
    /// 10^`maxFraction`, and where it stopped: the CSV reader's fused path reads a number and finds
    /// its end in one walk. Stricter than ``parse(_:from:to:maxFraction:scale:maxInteger:)``: `nil`
    /// for anything else, including forms that one accepts (leading zeros past 12 digits), which the
    /// caller then hands to it.
    @inline(__always)
    static func parsePrefix(_ base: UnsafePointer<UInt8>, _ i: Int, _ n: Int, maxFraction: Int) -> (Int64, Int)? {
        var i = i
        guard i < n else { return nil }
        let negative = base[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let integerStart = i
        var integer: Int64 = 0
        while i < n, base[i] &- 48 < 10 {
            integer = integer &* 10 &+ Int64(base[i] &- 48)
            i += 1
        }
        guard i > integerStart, i - integerStart <= maxIntegerDigits else { return nil }
        var value = integer
        var digits = 0
        if i < n, base[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, base[i] &- 48 < 10, digits < maxFraction {
                value = value &* 10 &+ Int64(base[i] &- 48)
                digits += 1
                i += 1
            }
            // No fraction digit, or more than allowed: the general path names it.
            guard digits > 0, i >= n || base[i] &- 48 >= 10 else { return nil }
        }
        while digits < maxFraction {
            value &*= 10
            digits += 1
        }
        return (negative ? -value : value, i)
    }

    /// Parses a Swift string; see ``parse(_:from:to:maxFraction:scale:)``.
    static func parse(_ text: String, maxFraction: Int, scale: Int) -> Result<Int64, DecimalTextError> {
        var text = text
        return text.withUTF8 { parse($0, from: 0, to: $0.count, maxFraction: maxFraction, scale: scale) }
    }

    /// Money: exactly `decimals` fraction digits (`-12.50`).
    static func money(_ minor: Int128, decimals: Int) -> String {
        fixed(minor, scale: decimals, keepZeros: true)
    }

    /// A plain decimal with no trailing fraction zeros (`2.5`, `100`, `-0.125`).
    static func plain(_ scaled: Int128, scale: Int) -> String {
        fixed(scaled, scale: scale, keepZeros: false)
    }

    private static func fixed(_ value: Int128, scale: Int, keepZeros: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(value, scale: scale, keepZeros: keepZeros, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value`, scaled by 10^`scale`, as decimal text: trailing fraction zeros dropped unless
    /// `keepZeros`. The one place numbers become digits: ``money(_:decimals:)``, ``plain(_:scale:)``
    /// and every CSV writer go through it.
    static func append(_ value: Int128, scale: Int, keepZeros: Bool, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // Nearly every value fits 64 bits, whose divisions are far cheaper than 128-bit ones.
        if let small = UInt64(exactly: value.magnitude) {
            appendDigits(small, scale: scale, keepZeros: keepZeros, to: &bytes)
        } else {
            appendDigits(value.magnitude, scale: scale, keepZeros: keepZeros, to: &bytes)
        }
    }

    private static func appendDigits<T: FixedWidthInteger & UnsignedInteger>(
        _ magnitude: T, scale: Int, keepZeros: Bool, to bytes: inout [UInt8]
    ) {
        let unit = T(powersOfTen[scale])
        var integer = magnitude / unit
        var fraction = magnitude % unit
        var digits = scale
        if !keepZeros {
            while digits > 0, fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
        }
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0) // 40 bytes: room for 39 digits
        withUnsafeMutableBytes(of: &buffer) { b in
            var k = 0
            repeat {
                b[k] = UInt8(48 + integer % 10)
                integer /= 10
                k += 1
            } while integer > 0
            while k > 0 {
                k -= 1
                bytes.append(b[k])
            }
        }
        if digits > 0 {
            bytes.append(UInt8(ascii: "."))
            var divisor = T(powersOfTen[digits - 1])
            for _ in 0..<digits {
                bytes.append(UInt8(48 + fraction / divisor))
                fraction %= divisor
                divisor /= 10
            }
        }
    }

    /// Divides and rounds half away from zero; `denominator` must be positive.
    static func roundedQuotient(_ numerator: Int128, _ denominator: Int128) -> Int128 {
        assert(denominator > 0)
        let q = numerator.magnitude / denominator.magnitude
        let r = numerator.magnitude % denominator.magnitude
        let rounded = r >= denominator.magnitude - r ? q + 1 : q
        return numerator < 0 ? -Int128(rounded) : Int128(rounded)
    }
}
