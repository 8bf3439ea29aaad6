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
        s.withUTF8 { CSVQuoting.append($0, to: &bytes) }
    }

    /// A date as `YYYY-MM-DD` (never quoted: digits and dashes).
    mutating func date(_ d: CivilDate) {
        separate()
        d.appendText(to: &bytes)
    }

    /// A field of raw bytes (a rejected line as read), quoted like text.
    mutating func raw(_ field: [UInt8]) {
        separate()
        field.withUnsafeBufferPointer { CSVQuoting.append($0, to: &bytes) }
    }

    /// A scaled integer with `scale` fraction digits; trailing zeros dropped unless `keepZeros` (money).
    mutating func decimal(_ v: Int128, scale: Int, keepZeros: Bool) {
        separate()
        DecimalText.append(v, scale: scale, keepZeros: keepZeros, to: &bytes)
    }

    mutating func integer(_ v: Int) { decimal(Int128(v), scale: 0, keepZeros: true) }

    /// A volume in its unit's format, the `basis` columns: money, or a plain decimal for quantity and pallets.
    mutating func basis(_ v: Volume, decimals: Int) {
        if v.kind == .amount {
            decimal(v.scaled, scale: decimals, keepZeros: true)
        } else {
            decimal(v.scaled, scale: 3, keepZeros: false)
        }
    }

    /// Money with exactly the currency's `decimals`.
    mutating func money(_ m: Money, decimals: Int) { decimal(m.minorUnits, scale: decimals, keepZeros: true) }

    /// A quantity as a plain decimal.
    mutating func quantity(_ q: Quantity) { decimal(q.milliUnits, scale: 3, keepZeros: false) }

    /// A tier figure: a volume in its unit's format, a percent with up to 4 decimals.
    mutating func figure(_ f: TierFigure, decimals: Int) {
        switch f {
        case .volume(let v): basis(v, decimals: decimals)
        case .percent(let p): decimal(p, scale: 4, keepZeros: false)
        }
    }

    mutating func empty() { separate() }
}

/// The quoting of one CSV field (RFC 4180), written once for every CSV file the package writes,
/// the generator's included.
package enum CSVQuoting {
    /// Whether a field must be quoted: it holds a comma, a quote or a line break.
    static func needsQuotes(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        field.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
    }

    /// Appends `field`, quoted (its quotes doubled) when it must be.
    static func append(_ field: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        guard needsQuotes(field) else {
            bytes.append(contentsOf: field)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for b in field {
            if b == UInt8(ascii: "\"") { bytes.append(b) }
            bytes.append(b)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `text` as a CSV field, quoted when it must be.
    package static func text(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = text
        utf8.withUTF8 { append($0, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
