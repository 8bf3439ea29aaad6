extension AgreementSet {
    /// `agreements.json` text for this set, decimals written as strings so they stay exact.
    ///
    /// Decoding the result gives back an equal set.
    public func jsonBytes() -> [UInt8] {
        func q(_ s: String) -> String { JSONText.string(s) }
        func scope(_ s: ProductScope) -> String {
            var parts: [String] = []
            if !s.categories.isEmpty {
                parts.append("\"categories\": [" + s.categories.map(q).joined(separator: ", ") + "]")
            }
            if !s.products.isEmpty { parts.append("\"products\": [" + s.products.map(q).joined(separator: ", ") + "]") }
            return "{" + parts.joined(separator: ", ") + "}"
        }
        var items: [String] = []
        for a in agreements {
            let fromScale = a.growth?.measure == .percent ? 4 : a.basis == .amount ? decimals : 3
            let valueScale = a.valueKind == .fixed ? decimals : 4
            let beneficiary: String
            switch a.beneficiary {
            case .partner(let id): beneficiary = "{\"partner\": \(q(id))}"
            case .group(let id): beneficiary = "{\"group\": \(q(id))}"
            }
            var fields = [
                "\"id\": \(q(a.id))", "\"program\": \(q(a.program.rawValue))", "\"beneficiary\": \(beneficiary)",
            ]
            if let s = a.scope { fields.append("\"products\": \(scope(s))") }
            fields += [
                "\"start\": \(q(a.start.description))", "\"end\": \(q(a.end.description))",
                "\"settlement\": \(q(a.settlement.rawValue))", "\"basis\": \(q(a.basis.rawValue))",
                "\"tiering\": \(q(a.tiering.rawValue))",
                "\"tiers\": ["
                    + a.tiers.map {
                        "{\"from\": \(q(DecimalText.plain(Int128($0.from), scale: fromScale))), \(q(a.valueKind.rawValue)): \(q(DecimalText.plain(Int128($0.value), scale: valueScale)))}"
                    }.joined(separator: ", ") + "]",
            ]
            if let cap = a.cap { fields.append("\"cap\": \(q(DecimalText.money(Int128(cap), decimals: decimals)))") }
            if !a.gates.isEmpty {
                fields.append(
                    "\"requires\": ["
                        + a.gates.map { g in
                            let scale = g.measure == .quantity ? 3 : decimals
                            return
                                "{\"products\": \(scope(g.scope)), \(q(g.measure == .quantity ? "min_quantity" : "min_amount")): \(q(DecimalText.plain(Int128(g.minimum), scale: scale)))}"
                        }.joined(separator: ", ") + "]")
            }
            fields.append("\"accrual\": \(q(a.accrual.rawValue))")
            if a.payment != .automatic { fields.append("\"payment\": \(q(a.payment.rawValue))") }
            if let g = a.growth {
                let baseline: String
                switch g.baseline {
                case .priorYear: baseline = "\"over\": \"prior_year\""
                case .fixed(let v):
                    baseline =
                        "\"baseline\": \(q(DecimalText.plain(Int128(v), scale: a.basis == .amount ? decimals : 3)))"
                }
                let pays = a.tiering == .retroactive ? ", \"pays\": \(q(g.pays.rawValue))" : ""
                fields.append("\"growth\": {\(baseline), \"measure\": \(q(g.measure.rawValue))\(pays)}")
            }
            if !a.accounts.isEmpty { fields.append("\"accounts\": " + accountsJSON(a.accounts)) }
            items.append("    {" + fields.joined(separator: ", ") + "}")
        }
        let top =
            accounts == .defaults
            ? ""
            : "  \"accounts\": "
                + accountsJSON(
                    AccountOverrides(
                        expense: accounts.expense, liability: accounts.liability, payable: accounts.payable))
                + ",\n"
        let listed =
            currencies.isEmpty
            ? ""
            : "  \"currencies\": {" + currencies.map { "\(q($0.code)): \($0.decimals)" }.joined(separator: ", ")
                + "},\n"
        let text =
            "{\n  \"currency\": \(q(currency)),\n  \"decimals\": \(decimals),\n" + listed + top
            + "  \"agreements\": [\n"
            + items.joined(separator: ",\n") + "\n  ]\n}\n"
        return Array(text.utf8)
    }

    private func accountsJSON(_ a: AccountOverrides) -> String {
        let members = [("expense", a.expense), ("liability", a.liability), ("payable", a.payable)].compactMap {
            key, value in
            value.map { "\"\(key)\": \"" + JSONText.escaped($0) + "\"" }
        }
        return "{" + members.joined(separator: ", ") + "}"
    }
}
