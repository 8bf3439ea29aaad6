/// A CSV file that `rebate` wrote (an output of `accrue` or `close`), read back for `rebate merge`.
struct OutputTable {
    /// The header line, as written.
    var header: String
    /// Each record's fields (unescaped) and raw bytes (without the line break).
    var rows: [(fields: [String], raw: [UInt8])]

    /// Reads `path`; refuses a file whose header is not `expected`.
    static func read(path: String, expected: String) throws(RebateError) -> OutputTable {
        let file = try FileBytes(path: path)
        var scanner = CSVScanner(bytes: file.buffer)
        var fields: [CSVField] = []
        guard let head = scanner.next(fields: &fields), head.error == nil else {
            throw .invalidInput([InputProblem(file: path, line: 1, reason: "empty: not an output of rebate")])
        }
        let header = String(decoding: UnsafeBufferPointer(rebasing: file.buffer[head.start..<head.end]), as: UTF8.self)
        guard header == expected else {
            throw .invalidInput([InputProblem(file: path, line: 1, reason: "header is not \(expected)")])
        }
        var rows: [(fields: [String], raw: [UInt8])] = []
        while let record = scanner.next(fields: &fields) {
            if let error = record.error {
                throw .invalidInput([InputProblem(file: path, line: record.line, reason: "malformed CSV: \(error)")])
            }
            rows.append(
                (
                    fields.map { scanner.text($0) },
                    Array(UnsafeBufferPointer(rebasing: file.buffer[record.start..<record.end]))
                ))
        }
        return OutputTable(header: header, rows: rows)
    }
}

extension DecimalText {
    /// Parses `-?digits(.digits)?` with at most `scale` fraction digits into `value * 10^scale`,
    /// without the 10^12 limit of input values (sums in outputs can be larger); `nil` when malformed.
    static func parseWide(_ text: String, scale: Int) -> Int128? {
        var digits = Substring(text)
        var negative = false
        if digits.hasPrefix("-") {
            negative = true
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 30,
            whole.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= scale, parts.count == 1 || !fraction.isEmpty,
            fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        var v: Int128 = 0
        for ch in whole { v = v * 10 + Int128(ch.wholeNumberValue!) }
        for ch in fraction { v = v * 10 + Int128(ch.wholeNumberValue!) }
        for _ in fraction.count..<scale { v *= 10 }
        return negative ? -v : v
    }
}
