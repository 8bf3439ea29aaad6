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
        let useStore = columnar && ColumnarStore.exists(folder)
        let useColumnar = columnar && !useStore && FileBytes.exists(path(ColumnarFile.fileName))
        let m = try loadMaster(folder: folder, needsCSVLines: !useColumnar)
        let (partners, products, agreements, source, shard) = (m.partners, m.products, m.agreements, m.source, m.shard)
        if useStore, let source, source.isFolder {
            let (segments, rejects, totals) = try ColumnarStore.load(
                dataset: folder, partners: partners, products: products, decimals: agreements.decimals, rates: m.rates,
                source: source, threads: threads)
            var dataset = Dataset(partners: partners, products: products, agreements: agreements, segments: segments)
            dataset.rates = m.rates
            var loaded = LoadedDataset(
                dataset: dataset, rejects: rejects, totals: totals,
                transactionsFile: ColumnarStore.folderName + " (\(source.files.count) files)")
            loaded.shard = shard
            return loaded
        }
        if useColumnar {
            let (columns, rejects, totals) = try ColumnarFile.read(
                path: path(ColumnarFile.fileName), partners: partners, products: products,
                decimals: agreements.decimals, rates: m.rates, source: source?.stamp, threads: threads)
            var lines = columns
            lines.checkedFor = .init(
                partners: partners.count, products: products.count, decimals: agreements.decimals,
                currencies: m.rates.currencies.count)
            var dataset = Dataset(partners: partners, products: products, agreements: agreements, transactions: lines)
            dataset.rates = m.rates
            var loaded = LoadedDataset(
                dataset: dataset, rejects: rejects, totals: totals, transactionsFile: ColumnarFile.fileName)
            loaded.shard = shard
            return loaded
        }
        guard let source else {
            throw .invalidInput([InputProblem(file: TransactionSource.fileName, reason: "missing")])
        }
        var files: [FileBytes] = []
        for name in source.files { files.append(try FileBytes(path: source.path(name))) }
        var reader = TransactionCSVReader(
            partners: partners, products: products, decimals: agreements.decimals, threads: max(1, threads))
        reader.progress = progress
        reader.currencies(agreements, m.rates)
        let out = try withExtendedLifetime(files) { () throws(RebateError) in
            try reader.read(
                zip(source.files, files).map { name, file in
                    TransactionCSVReader.SourceFile(name: name, bytes: file.buffer, releasesPages: file.isMapped)
                })
        }
        // The reader refused every line out of bounds (`out.lines.checkedFor`): the engine need not check them again.
        var dataset = Dataset(partners: partners, products: products, agreements: agreements, segments: out.lines)
        dataset.rates = m.rates
        var loaded = LoadedDataset(
            dataset: dataset, rejects: out.rejects, totals: out.totals, transactionsFile: source.displayName)
        loaded.shard = shard
        return loaded
    }

    /// A dataset's partners, products and agreements, checked, with the files they came from.
    struct MasterData {
        var partners: [Partner]
        var products: [Product]
        var agreements: AgreementSet
        var source: TransactionSource?
        var shard: ShardIdentity?
        var partnersFile: FileBytes
        var productsFile: FileBytes
        var agreementsFile: FileBytes
        /// The listed currencies' rates (`rates.csv`); empty when `agreements.json` lists none.
        var rates = ExchangeRates()
        /// `rates.csv` as read, for `rebate split` to give every shard (nil when the dataset has none).
        var ratesFile: [UInt8]?
    }

    /// Reads and checks the master data and agreements; every problem is reported at once.
    /// - Parameter needsCSVLines: refuse a folder without `transactions.csv` or `transactions/`.
    static func loadMaster(folder: String, needsCSVLines: Bool) throws(RebateError) -> MasterData {
        let path = { (name: String) in TransactionSource.join(folder, name) }
        var problems: [InputProblem] = []
        let source = try TransactionSource.find(in: folder)
        for name in ["partners.csv", "products.csv", "agreements.json"] where !FileBytes.exists(path(name)) {
            problems.append(InputProblem(file: name, reason: "missing from the dataset folder \(folder)"))
        }
        if source == nil && needsCSVLines {
            problems.append(
                InputProblem(
                    file: TransactionSource.fileName,
                    reason: "missing from the dataset folder \(folder) (nor is there a transactions/ folder)"))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        let partnersFile = try FileBytes(path: path("partners.csv"))
        let productsFile = try FileBytes(path: path("products.csv"))
        let partners = readPartners(partnersFile, &problems)
        let products = readProducts(productsFile, &problems)
        let master = MasterDataIndex(partners: partners, products: products)
        let jsonFile = try FileBytes(path: path("agreements.json"))
        var decoded: AgreementSet?
        do {
            decoded = try AgreementSet(json: Array(jsonFile.buffer), master: master)
        } catch {
            if case .invalidInput(let p) = error { problems += p } else { throw error }
        }
        var rates = ExchangeRates()
        var ratesBytes: [UInt8]?
        if let decoded {
            // SPEC section 11: rates.csv is required when currencies are listed, and checked whenever present.
            let ratesPath = path(RatesFile.fileName)
            if FileBytes.exists(ratesPath) {
                let file = try FileBytes(path: ratesPath)
                ratesBytes = Array(file.buffer)
                do {
                    rates = try RatesFile.parse(file.buffer, currencies: decoded.currencies)
                } catch {
                    if case .invalidInput(let p) = error { problems += p } else { throw error }
                }
            } else if !decoded.currencies.isEmpty {
                problems.append(
                    InputProblem(
                        file: RatesFile.fileName,
                        reason: "missing from the dataset folder \(folder): agreements.json lists currencies "
                            + decoded.currencies.map(\.code).joined(separator: ", ")))
            }
        }
        guard problems.isEmpty, let agreements = decoded else { throw .invalidInput(problems) }
        let shard = try readShardIdentity(folder: folder, jsonFile: jsonFile, path: path)
        var read = MasterData(
            partners: partners, products: products, agreements: agreements, source: source, shard: shard,
            partnersFile: partnersFile, productsFile: productsFile, agreementsFile: jsonFile)
        read.rates = rates
        read.ratesFile = ratesBytes
        return read
    }

    /// The dataset's `shard.json`, if it is a shard of a split, with the fingerprint of the files read.
    static func readShardIdentity(folder: String, jsonFile: FileBytes, path: (String) -> String) throws(RebateError)
        -> ShardIdentity?
    {
        let name = path(ShardIdentity.fileName)
        guard FileBytes.exists(name) else { return nil }
        let bytes = try FileBytes.contents(name)
        guard let value = try? JSONParser.parse(bytes), var shard = ShardIdentity(value) else {
            throw .invalidInput([
                InputProblem(file: ShardIdentity.fileName, reason: "not a shard identity written by rebate split")
            ])
        }
        shard.inputsRead = Fingerprint.shardInputs(
            partners: try FileBytes.contents(path("partners.csv")),
            products: try FileBytes.contents(path("products.csv")), agreements: Array(jsonFile.buffer))
        return shard
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
