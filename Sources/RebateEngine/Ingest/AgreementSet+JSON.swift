extension AgreementSet {
    /// Decodes `agreements.json`, checking every rule of SPEC.md section 2.
    ///
    /// Every problem is collected, each located by its JSON path, so one run
    /// tells the author everything to fix.
    /// - Throws: ``RebateError/invalidInput(_:)`` listing every problem.
    public init(json bytes: [UInt8], fileName: String = "agreements.json", master: MasterDataIndex) throws(RebateError)
    {
        var decoder = AgreementDecoder(file: fileName, master: master)
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw .invalidInput([
                InputProblem(
                    file: fileName, line: error.line, field: nil,
                    reason: "invalid JSON at column \(error.column): \(error.reason)")
            ])
        }
        let decoded = decoder.decodeRoot(root)
        if !decoder.problems.isEmpty { throw .invalidInput(decoder.problems) }
        self = decoded!
        warnings = decoder.warnings
    }
}

/// Walks the JSON tree, collecting problems instead of stopping at the first.
struct AgreementDecoder {
    /// The top-level members SPEC section 2 defines.
    static let rootMembers = ["currency", "decimals", "currencies", "agreements", "accounts"]
    /// An agreement's members SPEC section 2 defines.
    static let agreementMembers = [
        "id", "program", "beneficiary", "products", "start", "end", "settlement", "basis", "tiering", "tiers", "cap",
        "requires", "accrual", "accounts", "payment", "growth",
    ]

    let file: String
    let master: MasterDataIndex
    var problems: [InputProblem] = []
    var warnings: [InputProblem] = []
    var decimals = 2

    init(file: String, master: MasterDataIndex) {
        self.file = file
        self.master = master
    }

    mutating func fail(_ path: String, _ reason: String) {
        problems.append(InputProblem(file: file, field: path, reason: reason))
    }

    /// SPEC section 2 (v3): a member the contract does not define is refused, with the closest defined
    /// name, so a misspelt field never silently changes money; members starting with `x-` are the user's.
    mutating func refuseUndefinedMembers(_ v: JSONValue, _ path: String, defined: [String]) {
        guard case .object(let members) = v else { return }
        for member in members where !member.key.hasPrefix("x-") && !defined.contains(member.key) {
            let at = path.isEmpty ? member.key : path + "." + member.key
            let closest = defined.min { EditDistance.between($0, member.key) < EditDistance.between($1, member.key) }
            fail(at, "\"\(member.key)\" is not defined here" + (closest.map { " (did you mean \"\($0)\"?)" } ?? ""))
        }
    }

    /// Something legal but probably unintended: reported, not refused.
    mutating func warn(_ path: String, _ reason: String) {
        warnings.append(InputProblem(file: file, field: path, reason: reason))
    }

    mutating func decodeRoot(_ root: JSONValue) -> AgreementSet? {
        guard case .object = root else {
            fail("$", "expected an object, found \(root.typeName)")
            return nil
        }
        refuseUndefinedMembers(root, "", defined: Self.rootMembers)
        var currency = ""
        if case .string(let c)? = root["currency"], !c.isEmpty {
            currency = c
        } else {
            fail("currency", "required non-empty string")
        }
        if case .number(let d)? = root["decimals"], let v = Int(d), (0...6).contains(v) {
            decimals = v
        } else {
            fail("decimals", "required integer from 0 to 6")
        }
        guard case .array(let items)? = root["agreements"] else {
            fail("agreements", "required array")
            return nil
        }
        var seen: [String: Int] = [:]
        var agreements: [Agreement] = []
        for (index, item) in items.enumerated() {
            let path = "agreements[\(index)]"
            if let a = decodeAgreement(item, path: path) {
                if let first = seen[a.id] {
                    fail(path + ".id", "duplicate id \"\(a.id)\" (first at agreements[\(first)])")
                } else {
                    seen[a.id] = index
                }
                agreements.append(a)
            }
        }
        var set = AgreementSet(currency: currency, decimals: decimals, agreements: agreements)
        set.currencies = decodeCurrencies(root["currencies"], book: currency)
        set.accounts = decodeAccounts(root["accounts"], "accounts").applied(to: .defaults)
        return set
    }

    mutating func string(_ v: JSONValue?, _ path: String, required: Bool = true) -> String? {
        switch v {
        case .string(let s)?: return s
        case nil where !required: return nil
        case nil:
            fail(path, "required")
            return nil
        case let other?:
            fail(path, "expected a string, found \(other.typeName)")
            return nil
        }
    }

    mutating func identifier(_ v: JSONValue?, _ path: String) -> String? {
        guard let s = string(v, path) else { return nil }
        if s.isEmpty || s.utf8.count > 64 {
            fail(path, "ids are 1 to 64 bytes")
            return nil
        }
        return s
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ v: JSONValue?, _ path: String, default def: E?)
        -> E? where E.RawValue == String
    {
        if v == nil || v == .null, let def { return def } // an optional member given as null means its default
        guard let s = string(v, path) else { return nil }
        if let e = E(rawValue: s) { return e }
        fail(path, "\"\(s)\" is not one of " + E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        return nil
    }

    mutating func date(_ v: JSONValue?, _ path: String) -> CivilDate? {
        guard let s = string(v, path) else { return nil }
        if let d = CivilDate(s) { return d }
        fail(path, "\"\(s)\" is not a date YYYY-MM-DD in 1900...2999")
        return nil
    }

    /// A non-negative decimal given as a JSON string or number, scaled by 10^scale.
    mutating func decimal(_ v: JSONValue?, _ path: String, maxFraction: Int, scale: Int) -> Int64? {
        let text: String
        switch v {
        case .string(let s)?: text = s
        case .number(let n)?:
            guard let plain = AgreementDecoder.plainText(ofJSONNumber: n) else {
                fail(path, "number \(n) is out of range")
                return nil
            }
            text = plain
        case nil:
            fail(path, "required")
            return nil
        case let other?:
            fail(path, "expected a decimal string or number, found \(other.typeName)")
            return nil
        }
        switch DecimalText.parse(text, maxFraction: maxFraction, scale: scale) {
        case .success(let value):
            if value < 0 {
                fail(path, "must not be negative")
                return nil
            }
            return value
        case .failure(.syntax): fail(path, "\"\(text)\" is not a plain decimal")
        case .failure(.tooManyDecimals(let max)):
            fail(path, "\"\(text)\" has more than \(max) decimal place\(max == 1 ? "" : "s")")
        case .failure(.tooLarge): fail(path, "\"\(text)\" is 10^12 or more")
        }
        return nil
    }

    /// Rewrites a JSON number with an exponent as a plain decimal, exactly.
    static func plainText(ofJSONNumber n: String) -> String? {
        guard let e = n.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return n }
        guard let exponent = Int(n[n.index(after: e)...]), abs(exponent) <= 40 else { return nil }
        var mantissa = String(n[..<e])
        var negative = false
        if mantissa.hasPrefix("-") {
            negative = true
            mantissa.removeFirst()
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        var point = parts[0].count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: 1 - point) + digits
            point = 1
        }
        if point > digits.count { digits += String(repeating: "0", count: point - digits.count) }
        let integer = digits.prefix(point)
        let fraction = digits.dropFirst(point)
        return (negative ? "-" : "") + integer + (fraction.isEmpty ? "" : "." + fraction)
    }

    mutating func scope(_ v: JSONValue?, _ path: String) -> ProductScope? {
        guard let v else { return nil }
        guard case .object = v else {
            fail(path, "expected an object with \"categories\" and/or \"products\"")
            return nil
        }
        refuseUndefinedMembers(v, path, defined: ["categories", "products"])
        var scope = ProductScope()
        for key in ["categories", "products"] {
            guard let list = v[key] else { continue }
            guard case .array(let items) = list else {
                fail("\(path).\(key)", "expected an array of strings")
                continue
            }
            for (i, item) in items.enumerated() {
                let p = "\(path).\(key)[\(i)]"
                guard case .string(let s) = item else {
                    fail(p, "expected a string, found \(item.typeName)")
                    continue
                }
                if key == "categories" {
                    if !master.categories.contains(s) {
                        warn(p, "no product has category \"\(s)\"; it matches nothing")
                    }
                    scope.categories.append(s)
                } else {
                    if !master.productIDs.contains(s) {
                        warn(p, "product \"\(s)\" is not in products.csv; it matches nothing")
                    }
                    scope.products.append(s)
                }
            }
        }
        if scope.categories.isEmpty && scope.products.isEmpty {
            fail(path, "a scope must list at least one category or product")
        }
        return scope
    }

    mutating func decodeAgreement(_ v: JSONValue, path: String) -> Agreement? {
        guard case .object = v else {
            fail(path, "expected an object, found \(v.typeName)")
            return nil
        }
        let problemsBefore = problems.count
        refuseUndefinedMembers(v, path, defined: Self.agreementMembers)
        let id = identifier(v["id"], path + ".id")
        let program: RebateProgram? = enumeration(v["program"], path + ".program", default: nil)
        let beneficiary = decodeBeneficiary(v["beneficiary"], path + ".beneficiary")
        let scope = v["products"] == .null ? nil : self.scope(v["products"], path + ".products")
        let start = date(v["start"], path + ".start")
        let end = date(v["end"], path + ".end")
        if let start, let end, end < start { fail(path + ".end", "before start \(start)") }
        let settlement: SettlementFrequency? = enumeration(v["settlement"], path + ".settlement", default: .term)
        let basis: RebateBasis? = enumeration(v["basis"], path + ".basis", default: nil)
        let tiering: Tiering? = enumeration(v["tiering"], path + ".tiering", default: .retroactive)
        let accrual: AccrualMethod? = enumeration(v["accrual"], path + ".accrual", default: .earned)
        let payment: PaymentMode? = enumeration(v["payment"], path + ".payment", default: .automatic)
        var cap: Int64?
        if let c = v["cap"], c != .null { cap = decimal(c, path + ".cap", maxFraction: decimals, scale: decimals) }
        let growth = decodeGrowth(v["growth"], path + ".growth", basis: basis, tiering: tiering)
        let (kind, tiers) = decodeTiers(
            v["tiers"], path + ".tiers", basis: basis, percentGrowth: growth?.measure == .percent)
        // A growth period is at most a year: the prior-year window of each is one year of lines.
        if growth != nil, settlement == .term, let start, let end, end.dayNumber - start.dayNumber + 1 > 366 {
            fail(path + ".settlement", "a growth agreement's term is at most 366 days (use \"year\" periods)")
        }
        var gates: [Gate] = []
        if let r = v["requires"], r != .null {
            if case .array(let items) = r {
                for (i, item) in items.enumerated() {
                    if let g = decodeGate(item, "\(path).requires[\(i)]") { gates.append(g) }
                }
            } else {
                fail(path + ".requires", "expected an array of gates")
            }
        }
        if program == .logistics, let basis, basis != .pallets {
            fail(path + ".basis", "a logistics agreement needs basis \"pallets\"")
        }
        if program == .crossSell, gates.isEmpty,
            v["requires"].map({ if case .array = $0 { return true } else { return false } }) ?? true
        {
            fail(path + ".requires", "a cross_sell agreement needs at least one gate")
        }
        let accounts = decodeAccounts(v["accounts"], path + ".accounts")
        guard problems.count == problemsBefore, let id, let program, let beneficiary, let start, let end,
            let settlement, let basis, let tiering, let accrual, let kind, let payment
        else { return nil }
        var agreement = Agreement(
            id: id, program: program, beneficiary: beneficiary, scope: scope, start: start, end: end,
            settlement: settlement, basis: basis, tiering: tiering, valueKind: kind, tiers: tiers,
            cap: cap.map(Money.init(minorUnits:)), gates: gates, accrual: accrual)
        agreement.accounts = accounts
        agreement.payment = payment
        agreement.growth = growth
        return agreement
    }

    /// `{"USD": 2, "JPY": 0}`: codes of 3 upper-case letters, decimals 0 to 6, the book currency not listed.
    mutating func decodeCurrencies(_ v: JSONValue?, book: String) -> [ListedCurrency] {
        guard let v, v != .null else { return [] }
        guard case .object(let members) = v else {
            fail("currencies", "expected an object of currency codes and their decimals, like {\"USD\": 2}")
            return []
        }
        var out: [ListedCurrency] = []
        for m in members {
            let path = "currencies." + m.key
            let letters = m.key.utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
            guard m.key.utf8.count == 3, letters else {
                fail(path, "a currency code is 3 upper-case letters")
                continue
            }
            if m.key == book {
                fail(path, "the book currency is not listed among the other currencies")
                continue
            }
            guard case .number(let n) = m.value, let d = Int(n), (0...6).contains(d) else {
                fail(path, "decimals: an integer from 0 to 6")
                continue
            }
            out.append(ListedCurrency(code: m.key, decimals: d))
        }
        // A line keeps its currency as one byte (0 is the book currency).
        if out.count > 255 { fail("currencies", "at most 255 currencies can be listed, not \(out.count)") }
        return out
    }

    /// `{"expense": …, "liability": …, "payable": …}`, every member optional; absent or null is no override.
    mutating func decodeAccounts(_ v: JSONValue?, _ path: String) -> AccountOverrides {
        guard let v, v != .null else { return AccountOverrides() }
        guard case .object = v else {
            fail(path, "expected an object with \"expense\", \"liability\" and/or \"payable\"")
            return AccountOverrides()
        }
        refuseUndefinedMembers(v, path, defined: ["expense", "liability", "payable"])
        var out = AccountOverrides()
        for key in ["expense", "liability", "payable"] {
            guard let member = v[key], member != .null else { continue }
            guard case .string(let name) = member, !name.isEmpty, name.utf8.count <= 64 else {
                fail("\(path).\(key)", "an account is a string of 1 to 64 bytes")
                continue
            }
            switch key {
            case "expense": out.expense = name
            case "liability": out.liability = name
            default: out.payable = name
            }
        }
        return out
    }

    mutating func decodeBeneficiary(_ v: JSONValue?, _ path: String) -> Beneficiary? {
        guard let v else {
            fail(path, "required")
            return nil
        }
        guard case .object(let members) = v else {
            fail(path, "expected {\"partner\": ID} or {\"group\": ID}")
            return nil
        }
        let partner = v["partner"]
        let group = v["group"]
        let own = members.filter { !$0.key.hasPrefix("x-") }
        guard (partner == nil) != (group == nil), own.count == 1 else {
            fail(path, "needs exactly one of \"partner\" or \"group\"")
            return nil
        }
        if partner != nil {
            guard let id = identifier(partner, path + ".partner") else { return nil }
            if !master.partnerIDs.contains(id) {
                warn(path + ".partner", "partner \"\(id)\" is not in partners.csv; no line can count")
            }
            return .partner(id)
        }
        guard let id = identifier(group, path + ".group") else { return nil }
        if !master.groupIDs.contains(id) {
            warn(path + ".group", "no partner has group_id \"\(id)\"; no line can count")
        }
        return .group(id)
    }

    /// `{"over": "prior_year" | "baseline": DECIMAL, "measure": …, "pays": …}` (SPEC section 10).
    mutating func decodeGrowth(_ v: JSONValue?, _ path: String, basis: RebateBasis?, tiering: Tiering?) -> Growth? {
        guard let v, v != .null else { return nil }
        guard case .object = v else {
            fail(path, "expected an object with \"over\" or \"baseline\", \"measure\" and \"pays\"")
            return nil
        }
        refuseUndefinedMembers(v, path, defined: ["over", "baseline", "measure", "pays"])
        let before = problems.count
        var baseline: Growth.Baseline?
        switch (v["over"], v["baseline"]) {
        case (nil, nil), (.null?, nil), (nil, .null?):
            fail(path, "needs one of \"over\" or \"baseline\"")
        case (let over?, nil):
            if over == .string("prior_year") {
                baseline = .priorYear
            } else {
                fail(path + ".over", "the only baseline to measure \"over\" is \"prior_year\"")
            }
        case (nil, let fixed?):
            if let basis {
                let digits = basis == .amount ? decimals : 3
                if let value = decimal(fixed, path + ".baseline", maxFraction: digits, scale: digits) {
                    baseline = .fixed(value)
                }
            }
        default:
            fail(path, "needs exactly one of \"over\" and \"baseline\", not both")
        }
        let measure: Growth.Measure? = enumeration(v["measure"], path + ".measure", default: nil)
        let pays: Growth.Pays? = enumeration(v["pays"], path + ".pays", default: .total)
        if tiering == .incremental, let p = v["pays"], p != .null {
            fail(path + ".pays", "\"pays\" applies to retroactive tiers; incremental tiers pay each slice")
        }
        guard problems.count == before, let baseline, let measure, let pays else { return nil }
        return Growth(baseline: baseline, measure: measure, pays: pays)
    }

    mutating func decodeTiers(_ v: JSONValue?, _ path: String, basis: RebateBasis?, percentGrowth: Bool = false)
        -> (TierValueKind?, [Tier])
    {
        guard case .array(let items)? = v, !items.isEmpty else {
            fail(path, "required: one or more tiers")
            return (nil, [])
        }
        var kind: TierValueKind?
        var tiers: [Tier] = []
        // Growth in percent: `from` are percentages with at most 4 decimals.
        let fromFraction = percentGrowth ? 4 : basis == .amount ? decimals : 3
        let fromScale = fromFraction
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            guard case .object = item else {
                fail(p, "expected an object")
                continue
            }
            refuseUndefinedMembers(item, p, defined: ["from"] + TierValueKind.allCases.map(\.rawValue))
            let kinds = TierValueKind.allCases.filter { item[$0.rawValue] != nil }
            guard kinds.count == 1 else {
                fail(p, "needs exactly one of \"percent\", \"per_unit\", \"per_pallet\" or \"fixed\"")
                continue
            }
            let k = kinds[0]
            if let kind, kind != k {
                fail(
                    "\(p).\(k.rawValue)",
                    "every tier must carry the same kind of value (tier 0 has \"\(kind.rawValue)\")")
            }
            if kind == nil { kind = k }
            let from =
                basis == nil ? nil : decimal(item["from"], p + ".from", maxFraction: fromFraction, scale: fromScale)
            let value =
                k == .fixed
                ? decimal(item[k.rawValue], "\(p).\(k.rawValue)", maxFraction: decimals, scale: decimals)
                : decimal(item[k.rawValue], "\(p).\(k.rawValue)", maxFraction: 4, scale: 4)
            if let from, let last = tiers.last, from <= last.from {
                fail(p + ".from", "not ascending (must be above tier \(i - 1)'s)")
            }
            if let from, let value {
                var tier = Tier(from: from, value: value)
                tier.kind = k
                // A percentage of growth is neither money nor quantity.
                tier.thresholdIsMoney = percentGrowth ? nil : basis == .amount
                tiers.append(tier)
            }
        }
        return (kind, tiers)
    }

    mutating func decodeGate(_ v: JSONValue, _ path: String) -> Gate? {
        guard case .object = v else {
            fail(path, "expected an object")
            return nil
        }
        refuseUndefinedMembers(v, path, defined: ["products", "min_quantity", "min_amount"])
        guard let scopeValue = v["products"] else {
            fail(path + ".products", "required")
            return nil
        }
        let scope = self.scope(scopeValue, path + ".products")
        let q = v["min_quantity"]
        let a = v["min_amount"]
        guard (q == nil) != (a == nil) else {
            fail(path, "needs exactly one of \"min_quantity\" or \"min_amount\"")
            return nil
        }
        let minimum =
            q != nil
            ? decimal(q, path + ".min_quantity", maxFraction: 3, scale: 3)
            : decimal(a, path + ".min_amount", maxFraction: decimals, scale: decimals)
        guard let scope, let minimum else { return nil }
        return Gate(scope: scope, measure: q != nil ? .quantity : .amount, minimum: minimum)
    }
}

/// Levenshtein distance, for naming the closest defined member of a misspelt one.
enum EditDistance {
    static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = Swift.min(
                    previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
