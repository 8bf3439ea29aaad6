/// The partner self-service portal (`rebate portal`): an index of every beneficiary that has an
/// agreement, and one static page each, built from one accrual run (and the ledger, when given).
public struct PartnerPortal: Sendable {
    /// One beneficiary of the portal: a partner, or a buying group with its members.
    public struct Entry: Hashable, Sendable {
        /// The partner or group id.
        public var id: String
        /// The partner's name; a group's id.
        public var name: String
        /// Whether the id is a buying group's.
        public var isGroup: Bool
        /// A group's member partner ids (file order); empty for a partner.
        public var members: [String]
        /// The group a partner belongs to, if any.
        public var group: String?
        /// The agreements whose beneficiary this is, bytewise by id.
        public var agreementIDs: [String]
        /// Earned to date in the current periods (the sum of its `statements.csv` rows).
        public var earnedThisPeriod: Money
        /// What the books should hold as owed and not yet paid: each started period's accrual
        /// target (``MonthEndClose``) less what the ledger says was paid.
        public var openLiability: Money
        /// The page's path inside the portal folder (`beneficiaries/…html`), safe for any id.
        public var page: String
    }

    /// A settled period as the portal shows it.
    struct SettledPeriod: Sendable {
        var row: SettlementRow
        /// What the ledger says was paid for it; `nil` without a ledger.
        var paid: Money?
        /// For an `on_claim` agreement, what is still claimable (`earned − approved`, SPEC section 12).
        var claimable: Money?
    }

    /// The currency code and its minor-unit digits.
    public var currency: String
    /// The currency's minor-unit digits.
    public var decimals: Int
    /// The day the figures are taken at, if given.
    public var asOf: CivilDate?
    /// Whether a ledger was read (pages then show payments and clawbacks).
    public var hasLedger: Bool
    /// The beneficiaries, groups and partners, bytewise by page name.
    public var entries: [Entry]

    let agreements: [String: Agreement]
    let statements: [String: StatementRow]
    let settled: [String: [SettledPeriod]]
    let partnerNames: [String: String]

    /// Gathers everything the pages show.
    /// - Parameter ledger: the books as they stand; `nil` when none is given (nothing paid yet).
    /// - Complexity: O(rows + partners + agreements).
    /// - Parameter claims: every claim received so far; `on_claim` agreements show what is still claimable
    ///   per ended period (without it, everything earned is).
    public init(_ report: AccrualReport, dataset: Dataset, ledger: [LedgerRow]?, claims: [Claim]? = nil) {
        currency = report.currency
        decimals = report.decimals
        asOf = report.asOf
        hasLedger = ledger != nil
        var agreements: [String: Agreement] = [:]
        for a in dataset.agreements.agreements { agreements[a.id] = a }
        self.agreements = agreements
        var names: [String: String] = [:]
        var members: [String: [String]] = [:]
        var groupOf: [String: String] = [:]
        for p in dataset.partners {
            names[p.id] = p.name
            if let g = p.groupID {
                members[g, default: []].append(p.id)
                groupOf[p.id] = g
            }
        }
        partnerNames = names
        var statements: [String: StatementRow] = [:]
        for s in report.statements { statements[s.agreementID] = s }
        self.statements = statements
        var paid: [LedgerRow.Key: Money] = [:]
        for row in ledger ?? [] { paid[row.key] = row.paid }
        // The claims decided as a close on the same day would (SPEC section 12).
        let claimable = ClaimsOutcome.claimable(report, agreements: dataset.agreements, claims: claims)
        var settled: [String: [SettledPeriod]] = [:]
        for s in report.settlements {
            let key = s.periodKey
            var period = SettledPeriod(row: s, paid: ledger == nil ? nil : paid[key] ?? .zero)
            period.claimable = claimable[key]
            settled[s.agreementID, default: []].append(period)
        }
        self.settled = settled
        // What the books should hold for each started period: the close's targets.
        var liability: [String: Money] = [:]
        let targets: [(row: LedgerRow, earned: Money)]
        if let asOf = report.asOf {
            targets = MonthEndClose.targets(report, asOf: asOf)
        } else {
            targets = report.settlements.map {
                (
                    LedgerRow(
                        agreementID: $0.agreementID, beneficiary: $0.beneficiary, periodStart: $0.periodStart,
                        periodEnd: $0.periodEnd, accrued: $0.earned, paid: $0.earned), $0.earned
                )
            }
        }
        for t in targets { liability[t.row.agreementID, default: .zero] += t.row.accrued - (paid[t.row.key] ?? .zero) }

        var byBeneficiary: [String: (isGroup: Bool, ids: [String])] = [:]
        for a in dataset.agreements.agreements {
            let isGroup: Bool
            if case .group = a.beneficiary { isGroup = true } else { isGroup = false }
            // A partner and a group may share an id: they are different beneficiaries.
            byBeneficiary[(isGroup ? "g" : "p") + a.beneficiary.id, default: (isGroup, [])].ids.append(a.id)
        }
        entries = byBeneficiary.map { key, value in
            let id = String(key.dropFirst())
            let ids = value.ids.sorted(by: Bytewise.less)
            return Entry(
                id: id, name: value.isGroup ? id : names[id] ?? id, isGroup: value.isGroup,
                members: value.isGroup ? members[id] ?? [] : [], group: value.isGroup ? nil : groupOf[id],
                agreementIDs: ids,
                earnedThisPeriod: ids.reduce(.zero) { $0 + (statements[$1]?.earnedToDate ?? .zero) },
                openLiability: ids.reduce(.zero) { $0 + (liability[$1] ?? .zero) },
                page: "beneficiaries/" + Self.pageName(id: id, isGroup: value.isGroup))
        }
        entries.sort { Bytewise.less($0.page, $1.page) }
    }

    /// A file name for a beneficiary that is safe for any id and never collides.
    ///
    /// Ids are arbitrary UTF-8: the name is a readable prefix (ASCII letters and digits of the id,
    /// lowercased, at most 24) followed by the hexadecimal of every byte of the id, so two ids never
    /// share a name, even on a file system that ignores case, and no id can reach outside the folder.
    /// `p-` marks a partner, `g-` a group: a partner and a group may have the same id.
    public static func pageName(id: String, isGroup: Bool) -> String {
        var readable = ""
        for b in id.utf8 where readable.utf8.count < 24 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                readable.unicodeScalars.append(UnicodeScalar(b))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): readable.unicodeScalars.append(UnicodeScalar(b + 32))
            default: continue
            }
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for b in id.utf8 {
            hex.append(digits[Int(b >> 4)])
            hex.append(digits[Int(b & 15)])
        }
        return (isGroup ? "g-" : "p-") + readable + "-" + String(decoding: hex, as: UTF8.self) + ".html"
    }
}
