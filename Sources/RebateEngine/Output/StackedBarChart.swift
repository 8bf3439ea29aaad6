/// A stacked bar chart as inline SVG, in integer geometry.
struct StackedBarChart {
    /// A document-unique id, for the accessible title.
    var id: String
    var title: String
    var labels: [String]
    /// Series name, colour, and one value per label (minor units; may be negative).
    var series: [(name: String, color: String, values: [Int128])]
    var axisText: (Int128) -> String

    // One piece: the chart drawn in paint order (grid, bars, axis, legend).
    func svg() -> String {
        let width = 960
        let height = 320
        let left = 110
        let right = 20
        let top = 30
        let bottom = 60
        let plotW = width - left - right
        let plotH = height - top - bottom
        var high: Int128 = 0
        var low: Int128 = 0
        for i in labels.indices {
            var up: Int128 = 0
            var down: Int128 = 0
            for s in series { if s.values[i] >= 0 { up += s.values[i] } else { down += s.values[i] } }
            high = max(high, up)
            low = min(low, down)
        }
        if high == low { high = low + 1 }
        let span = high - low
        func y(_ v: Int128) -> Int { top + Int((high - v) * Int128(plotH) / span) }
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"\(id)\">"
        out += "<title id=\"\(id)\">\(HTMLText.escape(title))</title>"
        // Grid lines and axis values at five levels.
        for k in 0...4 {
            let v = low + span * Int128(k) / 4
            let yy = y(v)
            out += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(width - right)\" y2=\"\(yy)\" stroke=\"#e4e7eb\"/>"
            out +=
                "<text x=\"\(left - 6)\" y=\"\(yy + 4)\" font-size=\"11\" text-anchor=\"end\" fill=\"#52606d\">\(HTMLText.escape(axisText(v)))</text>"
        }
        let zero = y(0)
        let slot = plotW / max(1, labels.count)
        let barW = max(2, slot * 7 / 10)
        for (i, label) in labels.enumerated() {
            let x = left + i * slot + (slot - barW) / 2
            var up: Int128 = 0
            var down: Int128 = 0
            for s in series {
                let v = s.values[i]
                guard v != 0 else { continue }
                let (from, to) = v > 0 ? (up, up + v) : (down, down + v)
                if v > 0 { up += v } else { down += v }
                let y1 = y(max(from, to))
                let y2 = y(min(from, to))
                out +=
                    "<rect x=\"\(x)\" y=\"\(y1)\" width=\"\(barW)\" height=\"\(max(1, y2 - y1))\" fill=\"\(s.color)\"><title>\(HTMLText.escape(label)) \(HTMLText.escape(s.name)): \(HTMLText.escape(axisText(v)))</title></rect>"
            }
            out +=
                "<text x=\"\(x + barW / 2)\" y=\"\(height - bottom + 16)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#52606d\">\(HTMLText.escape(label))</text>"
        }
        out += "<line x1=\"\(left)\" y1=\"\(zero)\" x2=\"\(width - right)\" y2=\"\(zero)\" stroke=\"#52606d\"/>"
        for (k, s) in series.enumerated() {
            let x = left + k * 150
            out += "<rect x=\"\(x)\" y=\"\(height - 22)\" width=\"12\" height=\"12\" fill=\"\(s.color)\"/>"
            out +=
                "<text x=\"\(x + 18)\" y=\"\(height - 12)\" font-size=\"12\" fill=\"#1f2933\">\(HTMLText.escape(s.name))</text>"
        }
        return out + "</svg>"
    }
}
