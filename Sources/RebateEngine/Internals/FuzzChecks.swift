/// The properties the fuzz targets check, kept in the library so the normal
/// tests replay every saved fuzz input through exactly the same checks.
/// Each returns a description of the broken property, or `nil`.
enum FuzzChecks {
    static let partners = [Partner(id: "P1", name: "A"), Partner(id: "P2", name: "B", groupID: "G")]
    static let products = [
        Product(id: "A", name: "W", category: "C1", palletQuantity: Quantity(units: 10)),
        Product(id: "B", name: "G", category: "C2"),
    ]

    /// The CSV reader: never crashes; read = accepted + rejected; and the same
    /// result whatever the chunk size (the first input byte picks one).
    static func csv(_ data: [UInt8]) -> String? {
        let chunk = 1 + Int(data.first ?? 0) % 64
        let header = Array("line_id,date,partner_id,product_id,quantity,amount\n".utf8)
        let bytes = header + data.dropFirst()
        func read(_ chunkBytes: Int, _ threads: Int) -> TransactionCSVReader.Output? {
            bytes.withUnsafeBufferPointer { b in
                var reader = TransactionCSVReader(partners: partners, products: products, decimals: 2, threads: threads)
                reader.chunkBytes = chunkBytes
                return try? reader.read(b, fileName: "transactions.csv")
            }
        }
        guard let whole = read(1 << 20, 1), let cut = read(chunk, 2) else { return "the header was refused" }
        let t = whole.totals
        if t.linesRead != t.linesAccepted + t.linesRejected {
            return "read \(t.linesRead) != accepted \(t.linesAccepted) + rejected \(t.linesRejected)"
        }
        if whole.rejects.count != t.linesRejected { return "rejects list and count differ" }
        if whole.columns.count != t.linesAccepted { return "columns and accepted count differ" }
        if cut.rejects != whole.rejects || cut.totals != whole.totals || cut.columns.quantity != whole.columns.quantity
        {
            return "chunk size \(chunk) changed the result"
        }
        return nil
    }

    /// The decimal parser: never crashes; what it accepts prints back to the same value.
    static func decimal(_ data: [UInt8]) -> String? {
        let maxFraction = Int(data.first ?? 0) % 7
        let body = Array(data.dropFirst())
        let result = body.withUnsafeBufferPointer {
            DecimalText.parse($0, from: 0, to: $0.count, maxFraction: maxFraction, scale: maxFraction)
        }
        guard case .success(let v) = result else { return nil }
        if v.magnitude >= 1_000_000_000_000 * UInt64(DecimalText.powersOfTen[maxFraction]) {
            return "accepted \(v), beyond 10^12"
        }
        let text = DecimalText.plain(Int128(v), scale: maxFraction)
        guard case .success(let again) = DecimalText.parse(text, maxFraction: maxFraction, scale: maxFraction),
            again == v
        else {
            return "\(v) printed as \(text) does not read back"
        }
        return nil
    }

    /// The agreements decoder: never crashes; what it accepts encodes and decodes to the same set.
    static func agreements(_ data: [UInt8]) -> String? {
        let master = MasterDataIndex(partners: partners, products: products)
        guard let set = try? AgreementSet(json: data, master: master) else { return nil }
        guard let again = try? AgreementSet(json: set.jsonBytes(), master: master) else {
            return "its own encoding was refused"
        }
        if again.agreements != set.agreements || again.decimals != set.decimals || again.currency != set.currency {
            return "round trip changed it"
        }
        // And the engine runs on it without trapping.
        _ = try? AccrualEngine.run(
            Dataset(partners: partners, products: products, agreements: set, transactions: TransactionColumns()),
            options: AccrualOptions(threads: 1))
        return nil
    }
}
