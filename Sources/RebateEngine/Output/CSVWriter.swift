/// Builds CSV output bytes directly: no `String` per field, since the accrual
/// file can hold hundreds of thousands of rows of thirteen fields.
struct CSVWriter {
    private(set) var bytes: [UInt8] = []
    private var fieldsInRow = 0

    init(header: String, capacity: Int) {
        bytes.reserveCapacity(capacity)
        bytes += Array(header.utf8)
        bytes.append(10)
    }

    private mutating func separate() {
        if fieldsInRow > 0 { bytes.append(UInt8(ascii: ",")) }
        fieldsInRow += 1
    }

    mutating func endRow() {
        bytes.append(10)
        fieldsInRow = 0
    }

    /// A text field, quoted when it holds a comma, quote or line break.
    mutating func text(_ s: String) {
        separate()
        var s = s
        s.withUTF8 { raw in
            if raw.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) {
                bytes.append(UInt8(ascii: "\""))
                for b in raw {
                    if b == UInt8(ascii: "\"") { bytes.append(b) }
                    bytes.append(b)
                }
                bytes.append(UInt8(ascii: "\""))
            } else {
                bytes.append(contentsOf: raw)
            }
        }
    }

    /// A scaled integer with `scale` fraction digits; trailing zeros dropped unless `keepZeros` (money).
    mutating func decimal(_ v: Int128, scale: Int, keepZeros: Bool) {
        separate()
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        // Nearly every value fits 64 bits, whose divisions are far cheaper than 128-bit ones.
        if let small = UInt64(exactly: v.magnitude), scale <= 18 {
            digits(small, scale: scale, keepZeros: keepZeros)
        } else {
            digits(v.magnitude, scale: scale, keepZeros: keepZeros)
        }
    }

    private mutating func digits<T: FixedWidthInteger & UnsignedInteger>(_ magnitude: T, scale: Int, keepZeros: Bool) {
        let unit = T(DecimalText.powersOfTen[scale])
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
            var divisor = T(DecimalText.powersOfTen[digits - 1])
            for _ in 0..<digits {
                bytes.append(UInt8(48 + fraction / divisor))
                fraction %= divisor
                divisor /= 10
            }
        }
    }

    mutating func integer(_ v: Int) { decimal(Int128(v), scale: 0, keepZeros: true) }

    /// Money, or a plain decimal for quantity and pallets: the `basis` columns.
    mutating func basis(_ v: Int128, _ kind: RebateBasis, decimals: Int) {
        if kind == .amount {
            decimal(v, scale: decimals, keepZeros: true)
        } else {
            decimal(v, scale: 3, keepZeros: false)
        }
    }

    mutating func empty() { separate() }
}
