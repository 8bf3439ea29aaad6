/// The `rebate explain` job: one figure of `accruals.csv`, worked out for an auditor.
public enum ExplainJob {
    /// Loads the dataset (the columnar file when present), works out `agreementID`'s figure for
    /// `month`, and finds the `line_id`s of the `lines` lines that weigh most.
    /// - Throws: ``RebateError``: `invalidInput` (exit 2) for bad data, an unknown agreement or a
    ///   month the agreement does not report; `io` (exit 74).
    /// - Complexity: O(lines) for the sums; O(bytes of the CSV files) to find the ids of the lines shown.
    public static func run(
        dataset folder: String, agreementID: String, month: CivilDate, asOf: CivilDate?, lines: Int = 10,
        threads: Int = AccrualEngine.defaultThreadCount, columnar: Bool = true
    ) throws(RebateError) -> Explanation {
        try MemoryGuard.check(dataset: folder, columnar: columnar)
        let loaded = try DatasetLoader.load(folder: folder, threads: threads, columnar: columnar)
        let d = loaded.dataset
        var x = try Explanation.compute(
            d, agreementID: agreementID, month: month, asOf: asOf, lineLimit: max(0, lines), threads: threads)
        guard !x.lines.isEmpty, let source = try TransactionSource.find(in: folder) else { return x }
        var partnerIndex: [String: Int32] = [:]
        for (i, p) in d.partners.enumerated() { partnerIndex[p.id] = Int32(i) }
        var productIndex: [String: Int32] = [:]
        for (i, p) in d.products.enumerated() { productIndex[p.id] = Int32(i) }
        let values = x.lines.map { l in
            LineLocator.Values(
                partner: partnerIndex[l.partner]!, product: productIndex[l.product]!, day: l.date.dayNumber,
                quantity: l.quantity.inputValue, amount: l.amount.inputValue)
        }
        let ids = try LineLocator.find(
            Set(values), partners: Array(Set(values.map(\.partner))).sorted(), dataset: d, source: source,
            rejects: loaded.rejects, threads: threads)
        // Lines of equal values take their ids in bytewise order.
        var used: [LineLocator.Values: Int] = [:]
        for (i, v) in values.enumerated() {
            let k = used[v, default: 0]
            used[v] = k + 1
            if let found = ids[v], k < found.count { x.lines[i].lineID = found[k] }
        }
        return x
    }
}
