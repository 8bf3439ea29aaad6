/// Reads `transactions.csv` into columns, rejecting bad lines with reasons.
struct TransactionCSVReader {
    private(set) var columns = TransactionColumns()
    private(set) var rejects: [TransactionReject] = []
    private(set) var totals = IngestTotals()
    private var partnerIndex = ByteKeyTable()
    private var productIndex = ByteKeyTable()
    private var lineIDs = ByteKeyTable()
    private let decimals: Int

    static let requiredColumns = ["line_id", "date", "partner_id", "product_id", "quantity", "amount"]
    /// Values of 10^12 or more are refused (SPEC section 1).
    static let magnitudeLimitUnits: Int64 = 1_000_000_000_000

    init(partners: [Partner], products: [Product], decimals: Int) {
        self.decimals = decimals
        partnerIndex = ByteKeyTable(capacity: partners.count)
        for (i, p) in partners.enumerated() { _ = partnerIndex.insert(p.id, value: Int32(i)) }
        productIndex = ByteKeyTable(capacity: products.count)
        for (i, p) in products.enumerated() { _ = productIndex.insert(p.id, value: Int32(i)) }
    }

    mutating func read(_ bytes: UnsafeBufferPointer<UInt8>, fileName: String) throws(RebateError) {
        var scanner = CSVScanner(bytes: bytes)
        var fields: [CSVField] = []
        guard let header = scanner.next(fields: &fields), header.error == nil else {
            throw .invalidInput([InputProblem(file: fileName, line: 1, reason: "a header row is required (\(Self.requiredColumns.joined(separator: ",")))")])
        }
        var positions: [String: Int] = [:]
        for (i, f) in fields.enumerated() where positions[scanner.text(f)] == nil { positions[scanner.text(f)] = i }
        let missing = Self.requiredColumns.filter { positions[$0] == nil }
        if !missing.isEmpty {
            throw .invalidInput([InputProblem(file: fileName, line: header.line, reason: "missing required column\(missing.count == 1 ? "" : "s") " + missing.joined(separator: ", "))])
        }
        let col = Self.requiredColumns.map { positions[$0]! }
        scanner.expectedFields = fields.count
        columns = TransactionColumns(capacity: bytes.count / 48)
        lineIDs = ByteKeyTable(capacity: bytes.count / 48)
        var scratch: [UInt8] = []
        var reasons: [String] = []

        while let record = scanner.next(fields: &fields) {
            totals.linesRead += 1
            if let error = record.error {
                reject(fileName, record, scanner, lineID: "", reason: "malformed CSV: \(error)", quantity: nil, amount: nil)
                continue
            }
            if !scanner.isValidUTF8(record.start, record.end) {
                reject(fileName, record, scanner, lineID: "", reason: "invalid UTF-8", quantity: nil, amount: nil)
                continue
            }
            reasons.removeAll(keepingCapacity: true)
            // Fields with "" escapes are unescaped into scratch; others are read in place.
            func view<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>, Int, Int) -> R) -> R {
                let f = fields[col[i]]
                if !f.hasEscapedQuotes { return body(bytes, f.start, f.end) }
                scratch = scanner.fieldBytes(f)
                return scratch.withUnsafeBufferPointer { body($0, 0, $0.count) }
            }
            let idLength = view(0) { _, s, e in e - s }
            if idLength == 0 { reasons.append("line_id: empty") } else if idLength > 64 { reasons.append("line_id: longer than 64 bytes") }
            let date = view(1) { b, s, e in CivilDate.parse(UnsafeBufferPointer(rebasing: b[s..<e])[...]) }
            if date == nil { reasons.append("date: \"\(scanner.text(fields[col[1]]))\" is not a date YYYY-MM-DD in 1900...2999") }
            let partner = view(2) { b, s, e in partnerIndex.find(b, s, e) }
            if partner == nil { reasons.append("partner_id: unknown partner \"\(scanner.text(fields[col[2]]))\"") }
            let product = view(3) { b, s, e in productIndex.find(b, s, e) }
            if product == nil { reasons.append("product_id: unknown product \"\(scanner.text(fields[col[3]]))\"") }
            let quantity = number(view(4) { b, s, e in DecimalText.parse(b, from: s, to: e, maxFraction: 3, scale: 3) },
                                  "quantity", scanner.text(fields[col[4]]), scale: 3, &reasons)
            let amount = number(view(5) { b, s, e in DecimalText.parse(b, from: s, to: e, maxFraction: decimals, scale: decimals) },
                                "amount", scanner.text(fields[col[5]]), scale: decimals, &reasons)
            if let quantity, let amount, (quantity > 0 && amount < 0) || (quantity < 0 && amount > 0) {
                reasons.append("quantity and amount have opposite signs")
            }
            if reasons.isEmpty {
                let lineNumber = Int32(truncatingIfNeeded: record.line)
                if let first = view(0, { b, s, e in lineIDs.insert(b, s, e, value: lineNumber) }) {
                    reasons.append("line_id: duplicate of line \(first)")
                }
            }
            if !reasons.isEmpty {
                reject(fileName, record, scanner, lineID: scanner.text(fields[col[0]]), reason: reasons.joined(separator: "; "),
                       quantity: quantity, amount: amount)
                continue
            }
            columns.append(partner: partner!, product: product!, date: date!, quantity: quantity!, amount: amount!)
            totals.linesAccepted += 1
            totals.acceptedQuantity += Int128(quantity!)
            totals.acceptedAmount += Int128(amount!)
        }
    }

    private func number(_ result: Result<Int64, DecimalTextError>, _ column: String, _ text: String, scale: Int, _ reasons: inout [String]) -> Int64? {
        switch result {
        case .success(let v):
            if v.magnitude >= UInt64(Self.magnitudeLimitUnits) * UInt64(DecimalText.powersOfTen[scale]) {
                reasons.append("\(column): \"\(text)\" is 10^12 or more in absolute value")
                return nil
            }
            return v
        case .failure(.syntax): reasons.append("\(column): \"\(text)\" is not a plain decimal")
        case .failure(.tooManyDecimals(let max)): reasons.append("\(column): \"\(text)\" has more than \(max) decimal place\(max == 1 ? "" : "s")")
        case .failure(.tooLarge): reasons.append("\(column): \"\(text)\" is 10^12 or more in absolute value")
        }
        return nil
    }

    private mutating func reject(_ file: String, _ record: CSVRecord, _ scanner: CSVScanner, lineID: String, reason: String, quantity: Int64?, amount: Int64?) {
        rejects.append(TransactionReject(file: file, line: record.line, lineID: lineID, reason: reason,
                                         raw: Array(UnsafeBufferPointer(rebasing: scanner.bytes[record.start..<record.end]))))
        totals.linesRejected += 1
        if let quantity, let amount {
            totals.rejectedQuantity += Int128(quantity)
            totals.rejectedAmount += Int128(amount)
        } else {
            totals.rejectedUnreadable += 1
        }
    }
}
