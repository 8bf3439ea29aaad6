/// Header handling and row access for the small master-data CSV files,
/// where every problem stops the run and all of them are reported together.
enum MasterCSV {
    final class Row {
        let scanner: CSVScanner
        let fields: [CSVField]
        let columns: [String: Int]
        let line: Int
        let fileName: String
        var problems: [InputProblem] = []

        init(scanner: CSVScanner, fields: [CSVField], columns: [String: Int], line: Int, fileName: String) {
            self.scanner = scanner
            self.fields = fields
            self.columns = columns
            self.line = line
            self.fileName = fileName
        }

        func fail(_ field: String, _ reason: String) {
            problems.append(InputProblem(file: fileName, line: line, field: field, reason: reason))
        }

        func text(_ column: String) -> String? {
            guard let i = columns[column] else { return nil }
            return scanner.text(fields[i])
        }

        /// The field's bytes where it holds no escaped quotes (then numbers and dates are read from
        /// them with no `String` made); `nil` otherwise, or for a missing column.
        func plainBytes(_ column: String) -> (UnsafeBufferPointer<UInt8>, Int, Int)? {
            guard let i = columns[column], !fields[i].hasEscapedQuotes else { return nil }
            return (scanner.bytes, fields[i].start, fields[i].end)
        }

        func identifier(_ column: String) -> String? {
            guard let s = text(column) else { return nil }
            if s.isEmpty {
                fail(column, "empty id")
                return nil
            }
            if s.utf8.count > 64 {
                fail(column, "ids are at most 64 bytes")
                return nil
            }
            return s
        }
    }

    static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, fileName: String, required: [String],
        problems: inout [InputProblem], row body: (Row) -> Void
    ) {
        var scanner = CSVScanner(bytes: bytes)
        var fields: [CSVField] = []
        guard let header = scanner.next(fields: &fields) else {
            problems.append(InputProblem(file: fileName, line: 1, reason: "empty file: a header row is required"))
            return
        }
        if let error = header.error {
            problems.append(InputProblem(file: fileName, line: header.line, reason: "malformed header: \(error)"))
            return
        }
        var columns: [String: Int] = [:]
        for (i, f) in fields.enumerated() where columns[scanner.text(f)] == nil { columns[scanner.text(f)] = i }
        let missing = required.filter { columns[$0] == nil }
        if !missing.isEmpty {
            problems.append(
                InputProblem(
                    file: fileName, line: header.line,
                    reason: "missing required column\(missing.count == 1 ? "" : "s") " + missing.joined(separator: ", ")
                ))
            return
        }
        scanner.expectedFields = fields.count
        while let record = scanner.next(fields: &fields) {
            if let error = record.error {
                problems.append(InputProblem(file: fileName, line: record.line, reason: "malformed CSV: \(error)"))
                continue
            }
            if !scanner.isValidUTF8(record.start, record.end) {
                problems.append(InputProblem(file: fileName, line: record.line, reason: "invalid UTF-8"))
                continue
            }
            let row = Row(scanner: scanner, fields: fields, columns: columns, line: record.line, fileName: fileName)
            body(row)
            problems += row.problems
        }
    }
}
