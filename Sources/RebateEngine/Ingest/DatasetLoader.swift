/// Reads a dataset folder (SPEC.md section 1) into columns.
public enum DatasetLoader {
    /// Reads `partners.csv`, `products.csv`, `agreements.json` and the transactions.
    ///
    /// Master data and agreements are checked first, and every problem found is
    /// reported at once; transaction lines that fail are collected as rejects.
    /// The transactions come from `transactions.rbc` (see ``ColumnarFile``) when
    /// the folder has one and `columnar` is true, else from `transactions.csv` or
    /// the `transactions/` folder (see ``TransactionSource``).
    /// - Throws: ``RebateError/invalidInput(_:)`` for unusable master data or
    ///   agreements, ``RebateError/io(path:reason:)`` for unreadable files.
    /// - Complexity: O(n) in the size of the files.
    public static func load(
        folder: String, threads: Int = AccrualEngine.defaultThreadCount, columnar: Bool = true,
        progress: RunProgress? = nil
    ) throws(RebateError) -> LoadedDataset {
        let path = { (name: String) in TransactionSource.join(folder, name) }
        var problems: [InputProblem] = []
        let source = try TransactionSource.find(in: folder)
        let useColumnar = columnar && FileBytes.exists(path(ColumnarFile.fileName))
        for name in ["partners.csv", "products.csv", "agreements.json"] where !FileBytes.exists(path(name)) {
            problems.append(InputProblem(file: name, reason: "missing from the dataset folder \(folder)"))
        }
        if source == nil && !useColumnar {
            problems.append(
                InputProblem(
                    file: TransactionSource.fileName,
                    reason: "missing from the dataset folder \(folder) (nor is there a transactions/ folder)"))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }

        let partners = readPartners(try FileBytes(path: path("partners.csv")), &problems)
        let products = readProducts(try FileBytes(path: path("products.csv")), &problems)
        let master = MasterDataIndex(partners: partners, products: products)
        let jsonFile = try FileBytes(path: path("agreements.json"))
        var decoded: AgreementSet?
        do {
            decoded = try AgreementSet(json: Array(jsonFile.buffer), master: master)
        } catch {
            if case .invalidInput(let p) = error { problems += p } else { throw error }
        }
        guard problems.isEmpty, let agreements = decoded else { throw .invalidInput(problems) }
        if useColumnar {
            let (columns, rejects, totals) = try ColumnarFile.read(
                path: path(ColumnarFile.fileName), partners: partners, products: products,
                decimals: agreements.decimals, source: source?.stamp, threads: threads)
            let dataset = Dataset(partners: partners, products: products, agreements: agreements, transactions: columns)
            return LoadedDataset(
                dataset: dataset, rejects: rejects, totals: totals, transactionsFile: ColumnarFile.fileName)
        }
        guard let source else {
            throw .invalidInput([InputProblem(file: TransactionSource.fileName, reason: "missing")])
        }
        var files: [FileBytes] = []
        for name in source.files { files.append(try FileBytes(path: source.path(name))) }
        var reader = TransactionCSVReader(
            partners: partners, products: products, decimals: agreements.decimals, threads: max(1, threads))
        reader.progress = progress
        let out = try withExtendedLifetime(files) { () throws(RebateError) in
            try reader.read(
                zip(source.files, files).map { name, file in
                    TransactionCSVReader.SourceFile(name: name, bytes: file.buffer, releasesPages: file.isMapped)
                })
        }
        let dataset = Dataset(partners: partners, products: products, agreements: agreements, transactions: out.columns)
        return LoadedDataset(
            dataset: dataset, rejects: out.rejects, totals: out.totals, transactionsFile: source.displayName)
    }

    static func readPartners(_ file: FileBytes, _ problems: inout [InputProblem]) -> [Partner] {
        var partners: [Partner] = []
        var seen = ByteKeyTable()
        MasterCSV.read(
            file.buffer, fileName: "partners.csv", required: ["partner_id", "name", "group_id"], problems: &problems
        ) { row in
            guard let id = row.identifier("partner_id"), let name = row.text("name"), let group = row.text("group_id")
            else { return }
            if !group.isEmpty, group.utf8.count > 64 {
                row.fail("group_id", "ids are at most 64 bytes")
                return
            }
            if let first = seen.insert(id, value: Int32(row.line)) {
                row.fail("partner_id", "duplicate id \"\(id)\" (first on line \(first))")
                return
            }
            partners.append(Partner(id: id, name: name, groupID: group.isEmpty ? nil : group))
        }
        return partners
    }

    static func readProducts(_ file: FileBytes, _ problems: inout [InputProblem]) -> [Product] {
        var products: [Product] = []
        var seen = ByteKeyTable()
        MasterCSV.read(
            file.buffer, fileName: "products.csv", required: ["product_id", "name", "category", "pallet_qty"],
            problems: &problems
        ) { row in
            guard let id = row.identifier("product_id"), let name = row.text("name"),
                let category = row.text("category"),
                let palletText = row.text("pallet_qty")
            else { return }
            if let first = seen.insert(id, value: Int32(row.line)) {
                row.fail("product_id", "duplicate id \"\(id)\" (first on line \(first))")
                return
            }
            var pallet: Int64 = 0
            if !palletText.isEmpty {
                switch DecimalText.parse(palletText, maxFraction: 3, scale: 3) {
                case .success(let v) where v > 0: pallet = v
                case .success:
                    row.fail("pallet_qty", "\"\(palletText)\" must be greater than 0")
                    return
                case .failure(.tooManyDecimals):
                    row.fail("pallet_qty", "\"\(palletText)\" has more than 3 decimal places")
                    return
                case .failure(.tooLarge):
                    row.fail("pallet_qty", "\"\(palletText)\" is 10^12 or more")
                    return
                case .failure(.syntax):
                    row.fail("pallet_qty", "\"\(palletText)\" is not a plain decimal")
                    return
                }
            }
            products.append(
                Product(
                    id: id, name: name, category: category,
                    palletQuantity: pallet == 0 ? nil : Quantity(milliUnits: pallet)))
        }
        return products
    }
}
