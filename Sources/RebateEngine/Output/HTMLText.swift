/// Small helpers for writing well-formed, self-contained XHTML.
enum HTMLText {
    /// Escapes text for element content and attribute values.
    /// The start of every page the package writes, through `<body>`: XHTML that any XML parser reads,
    /// a viewport for phones, the escaped title, and the house style (plus `extraStyle`).
    static func head(_ title: String, extraStyle: String = "") -> String {
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>\(escape(title))</title>"
            + "<style>\(style)\(extraStyle)</style></head><body>"
    }

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
        if body.hasPrefix("-") {
            sign = "-"
            body = body.dropFirst()
        }
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

    /// Money for people: grouped digits and the currency code (`12,345.60 EUR`).
    static func money(_ m: Money, _ decimals: Int, _ currency: String) -> String {
        money(m.minorUnits, decimals, currency)
    }

    /// A volume for people: money for amount, grouped plain decimal otherwise, with its unit.
    static func basis(_ v: Volume, _ decimals: Int, _ currency: String) -> String {
        switch v.kind {
        case .amount: return money(v.scaled, decimals, currency)
        case .quantity: return grouped(DecimalText.plain(v.scaled, scale: 3)) + "\u{00A0}units"
        case .pallets: return grouped(DecimalText.plain(v.scaled, scale: 3)) + "\u{00A0}pallets"
        }
    }

    /// A growth figure or tier threshold for people: a percent (`12.5 %`), or a volume with its unit.
    static func figure(_ f: TierFigure, _ decimals: Int, _ currency: String) -> String {
        switch f {
        case .volume(let v): return basis(v, decimals, currency)
        case .percent(let p): return DecimalText.plain(p, scale: 4) + "\u{00A0}%"
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

    /// A labelled figure (`key` is escaped, `value` is markup).
    static func card(_ key: String, _ value: String) -> String {
        "<div class=\"card\"><div class=\"k\">\(escape(key))</div><div class=\"v\">\(value)</div></div>"
    }

    /// A table: `header` is escaped, cells are markup; `numeric` columns are right-aligned.
    static func table(_ header: [String], numeric: Set<Int>, rows: [[String]]) -> String {
        var h = "<table><thead><tr>"
        for (i, c) in header.enumerated() {
            h += "<th\(numeric.contains(i) ? " class=\"n\"" : "")>\(escape(c))</th>"
        }
        h += "</tr></thead><tbody>"
        for row in rows {
            h += "<tr>"
            for (i, c) in row.enumerated() { h += "<td\(numeric.contains(i) ? " class=\"n\"" : "")>\(c)</td>" }
            h += "</tr>"
        }
        return h + "</tbody></table>"
    }
}
