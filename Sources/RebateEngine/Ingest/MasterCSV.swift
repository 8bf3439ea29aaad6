/// Header handling and row access for the small master-data CSV files,
/// where every problem stops the run and all of them are reported together.
enum MasterCSV {
    /// One record at a time: a single `Row` is refilled for every record of a file, so reading a
    /// million-row claims file makes no object per row.
    final class Row {
        let scanner: CSVScanner
        fileprivate(set) var fields: [CSVField] = []
        /// The header's names and their positions, looked up by a scan: a handful of short names
        /// compare faster than they hash.
        private let names: [(name: String, index: Int)]
        fileprivate(set) var line = 0
        let fileName: String
        var problems: [InputProblem] = []

        init(scanner: CSVScanner, names: [(name: String, index: Int)], fileName: String) {
            self.scanner = scanner
            self.names = names
            self.fileName = fileName
        }

        private func column(_ name: String) -> Int? {
            for entry in names where entry.name == name { return entry.index }
            return nil
        }

        func fail(_ field: String, _ reason: String) {
            problems.append(InputProblem(file: fileName, line: line, field: field, reason: reason))
        }

        func text(_ column: String) -> String? {
            guard let i = self.column(column) else { return nil }
            return scanner.text(fields[i])
        }

        /// The field's bytes where it holds no escaped quotes (then numbers and dates are read from
        /// them with no `String` made); `nil` otherwise, or for a missing column.
        func plainBytes(_ column: String) -> (UnsafeBufferPointer<UInt8>, Int, Int)? {
            guard let i = self.column(column), !fields[i].hasEscapedQuotes else { return nil }
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
        // Each header name at its first position (a repeated name's later columns are not read).
        var names: [(name: String, index: Int)] = []
        for (i, f) in fields.enumerated() {
            let name = scanner.text(f)
            if !names.contains(where: { $0.name == name }) { names.append((name, i)) }
        }
        let missing = required.filter { name in !names.contains { $0.name == name } }
        if !missing.isEmpty {
            problems.append(
                InputProblem(
                    file: fileName, line: header.line,
                    reason: "missing required column\(missing.count == 1 ? "" : "s") " + missing.joined(separator: ", ")
                ))
            return
        }
        scanner.expectedFields = fields.count
        let row = Row(scanner: scanner, names: names, fileName: fileName)
        while let record = scanner.next(fields: &row.fields) {
            if let error = record.error {
                problems.append(InputProblem(file: fileName, line: record.line, reason: "malformed CSV: \(error)"))
                continue
            }
            if !scanner.isValidUTF8(record.start, record.end) {
                problems.append(InputProblem(file: fileName, line: record.line, reason: "invalid UTF-8"))
                continue
            }
            row.line = record.line
            body(row)
            if !row.problems.isEmpty {
                problems += row.problems
                row.problems = []
            }
        }
    }
}
