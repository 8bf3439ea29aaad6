/// Small helpers for writing well-formed, self-contained XHTML.
enum HTMLText {
    /// Escapes text for element content and attribute values.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Groups the integer digits of a plain decimal by thousands: `1234567.50` -> `1,234,567.50`.
    static func grouped(_ plain: String) -> String {
        var sign = ""
        var body = Substring(plain)
        if body.hasPrefix("-") { sign = "-"; body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var integer = ""
        for (i, ch) in parts[0].reversed().enumerated() {
            if i > 0, i % 3 == 0 { integer.append(",") }
            integer.append(ch)
        }
        return sign + String(integer.reversed()) + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// Money for people: grouped digits and the currency code (`12,345.60 EUR`).
    static func money(_ minor: Int128, _ decimals: Int, _ currency: String) -> String {
        grouped(DecimalText.money(minor, decimals: decimals)) + "\u{00A0}" + escape(currency)
    }

    /// A basis value for people: money for amount, grouped plain decimal otherwise, with its unit.
    static func basis(_ v: Int128, _ kind: RebateBasis, _ decimals: Int, _ currency: String) -> String {
        switch kind {
        case .amount: return money(v, decimals, currency)
        case .quantity: return grouped(DecimalText.plain(v, scale: 3)) + "\u{00A0}units"
        case .pallets: return grouped(DecimalText.plain(v, scale: 3)) + "\u{00A0}pallets"
        }
    }

    static let style = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2933;padding:0 1rem}
    h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #d9e2ec;padding-bottom:.3rem}
    .sub{color:#52606d;margin-top:0}table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.6rem 0}
    th,td{padding:.35rem .6rem;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}th{background:#f5f7fa;font-weight:600}
    td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    .cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #d9e2ec;border-radius:6px;padding:.7rem 1rem;min-width:12rem}
    .card .v{font-size:1.25rem;font-weight:600;font-variant-numeric:tabular-nums}.card .k{color:#52606d;font-size:.8rem}
    .bar{background:#e4e7eb;border-radius:4px;height:14px;width:100%;overflow:hidden}.bar span{display:block;height:100%;background:#3e7cb1}
    .note{color:#52606d;font-size:.85rem}.warn{color:#b44d12}svg{max-width:100%;height:auto}
    @media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}}
    """
}

/// A stacked bar chart as inline SVG, in integer geometry.
struct StackedBarChart {
    /// A document-unique id, for the accessible title.
    var id: String
    var title: String
    var labels: [String]
    /// Series name, colour, and one value per label (minor units; may be negative).
    var series: [(name: String, color: String, values: [Int128])]
    var axisText: (Int128) -> String

    func svg() -> String {
        let width = 960, height = 320, left = 110, right = 20, top = 30, bottom = 60
        let plotW = width - left - right, plotH = height - top - bottom
        var high: Int128 = 0, low: Int128 = 0
        for i in labels.indices {
            var up: Int128 = 0, down: Int128 = 0
            for s in series { if s.values[i] >= 0 { up += s.values[i] } else { down += s.values[i] } }
            high = max(high, up)
            low = min(low, down)
        }
        if high == low { high = low + 1 }
        let span = high - low
        func y(_ v: Int128) -> Int { top + Int((high - v) * Int128(plotH) / span) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"\(id)\">"
        out += "<title id=\"\(id)\">\(HTMLText.escape(title))</title>"
        // Grid lines and axis values at five levels.
        for k in 0...4 {
            let v = low + span * Int128(k) / 4
            let yy = y(v)
            out += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(width - right)\" y2=\"\(yy)\" stroke=\"#e4e7eb\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(yy + 4)\" font-size=\"11\" text-anchor=\"end\" fill=\"#52606d\">\(HTMLText.escape(axisText(v)))</text>"
        }
        let zero = y(0)
        let slot = plotW / max(1, labels.count)
        let barW = max(2, slot * 7 / 10)
        for (i, label) in labels.enumerated() {
            let x = left + i * slot + (slot - barW) / 2
            var up: Int128 = 0, down: Int128 = 0
            for s in series {
                let v = s.values[i]
                guard v != 0 else { continue }
                let (from, to) = v > 0 ? (up, up + v) : (down, down + v)
                if v > 0 { up += v } else { down += v }
                let y1 = y(max(from, to)), y2 = y(min(from, to))
                out += "<rect x=\"\(x)\" y=\"\(y1)\" width=\"\(barW)\" height=\"\(max(1, y2 - y1))\" fill=\"\(s.color)\"><title>\(HTMLText.escape(label)) \(HTMLText.escape(s.name)): \(HTMLText.escape(axisText(v)))</title></rect>"
            }
            out += "<text x=\"\(x + barW / 2)\" y=\"\(height - bottom + 16)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#52606d\">\(HTMLText.escape(label))</text>"
        }
        out += "<line x1=\"\(left)\" y1=\"\(zero)\" x2=\"\(width - right)\" y2=\"\(zero)\" stroke=\"#52606d\"/>"
        for (k, s) in series.enumerated() {
            let x = left + k * 150
            out += "<rect x=\"\(x)\" y=\"\(height - 22)\" width=\"12\" height=\"12\" fill=\"\(s.color)\"/>"
            out += "<text x=\"\(x + 18)\" y=\"\(height - 12)\" font-size=\"12\" fill=\"#1f2933\">\(HTMLText.escape(s.name))</text>"
        }
        return out + "</svg>"
    }
}
