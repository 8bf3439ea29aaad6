/// JSON text, written by hand in the layout each file keeps (one member a line in `summary.json`),
/// with one escaping of strings for every file the package writes.
enum JSONText {
    /// `s` as a JSON string, quotes included: `"`, `\` and control characters escaped.
    static func string(_ s: String) -> String { "\"" + escaped(s) + "\"" }

    /// `s` escaped for the inside of a JSON string.
    static func escaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count)
                        + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}
