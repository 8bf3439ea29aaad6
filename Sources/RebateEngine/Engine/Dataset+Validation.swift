import Dispatch

extension CivilDate {
    /// The first and last day the contract allows (SPEC section 1: years 1900 to 2999).
    static let supportedRange = CivilDate(year: 1900, month: 1, day: 1)!...CivilDate(year: 2999, month: 12, day: 31)!
}

extension Dataset {
    /// The most problems of one kind listed before the rest are only counted.
    static let listedProblems = 20

    /// Checks every value a caller can build wrongly, once, before the unchecked hot loops see it.
    ///
    /// A program that links the library builds datasets in memory; a bad index or value must be
    /// a thrown error naming the line, never a trap or a wrong figure. Lines read by
    /// ``DatasetLoader`` are not checked again (the reader refused such lines already) unless the
    /// partners, products or currency decimals were changed since.
    /// - Throws: ``RebateError/invalidInput(_:)`` listing the problems found.
    /// - Complexity: O(lines + agreements × tiers), the lines in parallel on `threads`.
    func validate(threads: Int) throws(RebateError) {
        var problems = validateAgreements()
        if !(0...6).contains(agreements.decimals) {
            problems.append(
                InputProblem(file: "agreements", field: "decimals", reason: "\(agreements.decimals) is not 0...6"))
        }
        for (i, p) in products.enumerated() where p.palletQuantity < 0 {
            problems.append(InputProblem(file: "products", line: i, field: "palletQuantity", reason: "negative"))
        }
        let bounds = TransactionColumns.LineBounds(
            partners: partners.count, products: products.count, decimals: agreements.decimals,
            currencies: rates.currencies.count)
        if problems.isEmpty, linesCheckedFor != bounds { problems += validateLines(threads: threads) }
        if !problems.isEmpty { throw .invalidInput(problems) }
    }

    private func validateAgreements() -> [InputProblem] {
        var problems: [InputProblem] = []
        for (i, a) in agreements.agreements.enumerated() {
            let fail = { (field: String, reason: String) in
                problems.append(InputProblem(file: "agreements", field: "agreements[\(i)].\(field)", reason: reason))
            }
            if a.id.isEmpty || a.id.utf8.count > 64 { fail("id", "ids are 1 to 64 bytes") }
            for (field, date) in [("start", a.start), ("end", a.end)] where !CivilDate.supportedRange.contains(date) {
                fail(field, "day number \(date.dayNumber) is outside 1900-01-01...2999-12-31")
            }
            for (t, tier) in a.tiers.enumerated() {
                if let kind = tier.kind, kind != a.valueKind {
                    fail("tiers[\(t)]", "pays \(kind.rawValue) but the agreement's tiers pay \(a.valueKind.rawValue)")
                }
                if let money = tier.thresholdIsMoney, money != (a.basis == .amount), a.growth?.measure != .percent {
                    fail(
                        "tiers[\(t)].from",
                        money
                            ? "money threshold on a \(a.basis.rawValue) basis" : "quantity threshold on an amount basis"
                    )
                }
            }
            if let cap = a.cap, cap < 0 { fail("cap", "negative") }
            if let growth = a.growth {
                if growth.pays == .increment, a.tiering == .incremental {
                    fail("growth.pays", "\"increment\" applies to retroactive tiers")
                }
                if case .fixed(let b) = growth.baseline, b < 0 { fail("growth.baseline", "negative") }
                if a.settlement == .term, a.end.dayNumber - a.start.dayNumber + 1 > 366 {
                    fail("settlement", "a growth agreement's term is at most 366 days")
                }
            }
            for (g, gate) in a.gates.enumerated() where gate.minimum < 0 { fail("requires[\(g)]", "negative minimum") }
            if a.program == .logistics, a.basis != .pallets {
                fail("basis", "a logistics agreement needs basis pallets")
            }
            if a.program == .crossSell, a.gates.isEmpty {
                fail("requires", "a cross_sell agreement needs at least one gate")
            }
        }
        return problems
    }

    /// Every line's indices, date and values, in parallel slices; the first problems of each slice.
    private func validateLines(threads: Int) -> [InputProblem] {
        let n = transactions.count
        let slices = max(1, min(threads, n / 262_144 + 1))
        let partnerCount = Int32(partners.count)
        let productCount = Int32(products.count)
        let days = CivilDate.supportedRange.lowerBound.dayNumber...CivilDate.supportedRange.upperBound.dayNumber
        let quantityLimit = UInt64(1_000_000_000_000_000)
        let amountLimit = UInt64(1_000_000_000_000) * UInt64(DecimalText.powersOfTen[agreements.decimals])
        let listed = rates.currencies.count
        var found = [[InputProblem]](repeating: [], count: slices)
        transactions.withUnsafeColumns { columns in
            found.withUnsafeMutableBufferPointer { out in
                // Read-only columns; disjoint writes: each slice writes only its own list.
                let input = UnsafeTransfer(columns)
                let results = UnsafeTransfer(out)
                DispatchQueue.concurrentPerform(iterations: slices) { s in
                    let c = input.wrappedValue
                    var list: [InputProblem] = []
                    var bad = 0
                    for i in (s * n / slices)..<((s + 1) * n / slices) {
                        let partner = c.partner[i]
                        let product = c.product[i]
                        let day = c.day[i]
                        let quantity = c.quantity[i]
                        let amount = c.amount[i]
                        let ok =
                            partner >= 0 && partner < partnerCount && product >= 0 && product < productCount
                            && days.contains(day) && quantity.magnitude < quantityLimit
                            && amount.magnitude < amountLimit
                            && !(quantity > 0 && amount < 0) && !(quantity < 0 && amount > 0)
                        if ok { continue }
                        bad += 1
                        guard list.count < Dataset.listedProblems else { continue }
                        func fail(_ field: String, _ reason: String) {
                            list.append(InputProblem(file: "transactions", line: i, field: field, reason: reason))
                        }
                        if partner < 0 || partner >= partnerCount {
                            fail("partner", "index \(partner) is not in 0..<\(partnerCount)")
                        }
                        if product < 0 || product >= productCount {
                            fail("product", "index \(product) is not in 0..<\(productCount)")
                        }
                        if !days.contains(day) { fail("date", "day number \(day) is outside 1900-01-01...2999-12-31") }
                        if quantity.magnitude >= quantityLimit { fail("quantity", "10^12 units or more") }
                        if amount.magnitude >= amountLimit { fail("amount", "10^12 or more") }
                        if (quantity > 0 && amount < 0) || (quantity < 0 && amount > 0) {
                            fail("amount", "sign opposite to the quantity's")
                        }
                    }
                    // The currency column, when there is one: 0 (book) or a listed currency's index + 1.
                    if let currency = c.currency {
                        for i in (s * n / slices)..<((s + 1) * n / slices) where Int(currency[i]) > listed {
                            bad += 1
                            guard list.count < Dataset.listedProblems else { continue }
                            list.append(
                                InputProblem(
                                    file: "transactions", line: i, field: "currency",
                                    reason:
                                        "index \(currency[i]) is not 0 (the book currency) or one of the \(listed) listed"
                                ))
                        }
                    }
                    if bad > list.count {
                        list.append(
                            InputProblem(
                                file: "transactions", field: "lines", reason: "\(bad - list.count) more bad lines"))
                    }
                    results.wrappedValue[s] = list
                }
            }
        }
        return Array(found.joined())
    }
}
