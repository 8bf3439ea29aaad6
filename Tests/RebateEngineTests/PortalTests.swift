import Foundation
import RebateGenerator
import Testing

@testable import RebateEngine

@Suite struct PortalTests {
    static func text(_ path: String) throws -> String {
        try #require(FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) })
    }

    /// `statements.csv` read back: earned to date summed by beneficiary (money text).
    static func earnedByBeneficiary(_ csv: String, decimals: Int) -> [String: Int128] {
        var out: [String: Int128] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            // beneficiary,agreement_id,program,period_start,period_end,as_of,basis,tier,earned_to_date,...
            let money = f[8].replacingOccurrences(of: ".", with: "")
            out[f[0], default: 0] += Int128(money)!
        }
        return out
    }

    @Test func portalPagesAreWellFormedAndCarryTheCSVFigures() throws {
        let dir = Fixture.temporaryFolder()
        let config = DatasetGenerator.Configuration(lines: 6_000, partners: 40, products: 30, seed: 23)
        _ = try DatasetGenerator(config).write(to: dir, threads: 2)
        let options = AccrualOptions(asOf: CivilDate("2026-08-20"), threads: 2)
        let out = Fixture.temporaryFolder()
        _ = try AccrualJob.run(dataset: dir, outputFolder: out + "/run", options: options, maxRejects: 0)
        let portal = try PortalJob.run(dataset: dir, outputFolder: out + "/portal", ledger: nil, options: options)

        // One entry per beneficiary of an agreement, counted from agreements.json's objects.
        let loaded = try DatasetLoader.load(folder: dir)
        let beneficiaries = Set(loaded.dataset.agreements.agreements.map { "\($0.beneficiary)" })
        #expect(portal.entries.count == beneficiaries.count)
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/portal/beneficiaries")
        #expect(files.count == beneficiaries.count)

        let index = try Self.text(out + "/portal/index.html")
        let indexText = try #require(XHTMLChecker.check(index), "index.html is not well-formed").text
        let earned = Self.earnedByBeneficiary(try Self.text(out + "/run/statements.csv"), decimals: 2)
        let settlements = try Self.text(out + "/run/settlements.csv").split(separator: "\n").dropFirst()
        for e in portal.entries {
            // The index row: name, id and this period's earnings as statements.csv sums them.
            let money = HTMLText.money(earned[e.id] ?? 0, 2, "EUR")
            #expect(indexText.contains(e.name + e.id), "\(e.id)")
            #expect(index.contains(money), "\(e.id): \(money)")
            let page = try Self.text(out + "/portal/" + e.page)
            let checker = try #require(XHTMLChecker.check(page), "\(e.page) is not well-formed")
            #expect(checker.text.contains(money))
            for id in e.agreementIDs { #expect(checker.text.contains(id)) }
            // Every settled period of its agreements, with what settlements.csv says it earned.
            for row in settlements {
                let f = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard e.agreementIDs.contains(f[0]) else { continue }
                #expect(checker.text.contains("\(f[3]) to \(f[4])"))
                #expect(checker.text.contains(HTMLText.grouped(f[10]) + "\u{00A0}EUR"), "\(f[0]) \(f[3]) \(f[10])")
            }
        }
    }

    @Test func aCrossSellingGateIsShownWithItsMinimumAndWhatIsMissing() throws {
        // Half of the gate's 100 units of C2 bought: 50 missing, and the rebate held back.
        let agreement = Fixture.agreement(
            program: "cross_sell", basis: "amount", tiers: #"[{"from": "0", "percent": "2"}]"#,
            extra:
                #""products": {"categories": ["C1"]}, "requires": [{"products": {"categories": ["C2"]}, "min_quantity": "100"}]"#
        )
        let dir = Fixture.folder(
            agreements: Fixture.agreements([agreement]),
            transactions: Fixture.lines(["2026-02-01,P1,A,10,1000.00", "2026-02-02,P1,C,50,75.00"]))
        let loaded = try DatasetLoader.load(folder: dir)
        let report = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(asOf: CivilDate("2026-03-01")))
        let row = try #require(report.statements.first)
        #expect(
            row.gates.count == 1 && row.gates[0].bought == Volume(Quantity(units: 50))
                && row.gates[0].missing == Volume(Quantity(units: 50)))
        #expect(row.isHeldByGate && row.earnedToDate == 0 && row.tier == 1)
        let html = try #require(PartnerStatement.html(report, loaded: loaded, beneficiary: "P1"))
        let text = try #require(XHTMLChecker.check(html)).text
        #expect(
            text.contains("at least 100\u{00A0}units of category C2 (quantity) in the period: 50\u{00A0}units bought"))
        #expect(text.contains("50\u{00A0}units still missing"))
        #expect(text.contains("held back"))
        let out = Fixture.temporaryFolder()
        let portal = try PortalJob.run(
            dataset: dir, outputFolder: out, ledger: nil, options: AccrualOptions(asOf: CivilDate("2026-03-01")))
        let page = try Self.text(out + "/" + portal.entries[0].page)
        #expect(try #require(XHTMLChecker.check(page)).text.contains("50\u{00A0}units still missing"))
        // Met once the other 50 are bought: 2% of 1000.00.
        let met = try Fixture.run(
            agreements: [agreement],
            lines: ["2026-02-01,P1,A,10,1000.00", "2026-02-02,P1,C,50,75.00", "2026-02-03,P1,C,50,75.00"],
            asOf: "2026-03-01")
        #expect(met.statements[0].gates[0].isMet && met.statements[0].earnedToDate == 2000)
    }

    @Test func hostileIDsGiveSafeFileNamesAndEscapedText() throws {
        let long = String(repeating: "é", count: 32) // 64 bytes of UTF-8
        let ids = ["../x", "a\"b", "<script>alert(1)</script>", long, "P1", "p1", "G1"]
        var partners = "partner_id,name,group_id\n"
        for (i, id) in ids.enumerated() {
            let quoted = "\"" + id.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            partners += "\(quoted),Name <b>\(i)</b> & co,\(id == "G1" ? "G1" : "")\n"
        }
        func json(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var agreements = ids.enumerated().map { i, id in
            Fixture.agreement(
                id: "A\(i)", beneficiary: "{\"partner\": \(json(id))}", tiers: #"[{"from": "0", "per_unit": "1"}]"#)
        }
        // A group with the same id as a partner is another beneficiary.
        agreements.append(
            Fixture.agreement(id: "AG", beneficiary: #"{"group": "G1"}"#, tiers: #"[{"from": "0", "per_unit": "1"}]"#))
        var lines = "line_id,date,partner_id,product_id,quantity,amount\n"
        for (i, id) in ids.enumerated() {
            lines += "L\(i),2026-02-01,\"\(id.replacingOccurrences(of: "\"", with: "\"\""))\",A,\(i + 1),10.00\n"
        }
        let dir = Fixture.folder(
            partners: partners, agreements: Fixture.agreements(agreements), transactions: lines)
        let root = Fixture.temporaryFolder()
        let out = root + "/portal"
        let portal = try PortalJob.run(dataset: dir, outputFolder: out, ledger: nil, options: AccrualOptions())
        #expect(portal.entries.count == ids.count + 1)
        // Nothing outside the portal folder; one distinct, plain name per beneficiary, even ignoring case.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["portal"])
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/beneficiaries")
        #expect(files.count == ids.count + 1)
        #expect(Set(files.map { $0.lowercased() }).count == files.count)
        for f in files {
            #expect(f.utf8.count <= 255)
            #expect(f.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
            #expect(f == f.lowercased())
        }
        let index = try Self.text(out + "/index.html")
        let indexText = try #require(XHTMLChecker.check(index)).text
        #expect(!index.contains("<script>alert"))
        #expect(index.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        for e in portal.entries {
            let page = try Self.text(out + "/" + e.page)
            let text = try #require(XHTMLChecker.check(page), "\(e.id)").text
            #expect(!page.contains("<script>alert") && !page.contains("<b>"))
            #expect(text.contains(e.id) && indexText.contains(e.id))
        }
        // Each line's rebate is 1.00 per unit: the partner on line i earned i + 1.
        let hostile = try #require(portal.entries.first { $0.id == "<script>alert(1)</script>" })
        #expect(hostile.earnedThisPeriod == 300)
    }

    @Test func portalWithALedgerShowsPaymentsAndClawbacks() throws {
        let agreement = Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#, extra: #""settlement": "month""#)
        let dir = Fixture.folder(
            agreements: Fixture.agreements([agreement]),
            transactions: Fixture.lines(["2026-01-10,P1,B,10,100.00", "2026-02-10,P1,B,5,50.00"]))
        // January earned 10.00, paid 12.00: 2.00 to claw back; February earned 5.00, paid 0.
        let ledger = Fixture.temporaryFolder() + "/ledger.csv"
        try """
        agreement_id,beneficiary,period_start,period_end,accrued,paid
        AG1,P1,2026-01-01,2026-01-31,12.00,12.00

        """.write(toFile: ledger, atomically: true, encoding: .utf8)
        let out = Fixture.temporaryFolder()
        let portal = try PortalJob.run(
            dataset: dir, outputFolder: out, ledger: ledger, options: AccrualOptions(asOf: CivilDate("2026-02-28")))
        let e = try #require(portal.entries.first)
        // Owed: 10.00 + 5.00 earned, less 12.00 paid.
        #expect(e.openLiability == 300)
        let text = try #require(XHTMLChecker.check(try Self.text(out + "/" + e.page))).text
        #expect(
            text.contains(
                "2026-01-01 to 2026-01-3110\u{00A0}units1" + "10.00\u{00A0}EUR12.00\u{00A0}EUR2.00\u{00A0}EUR"))
        #expect(text.contains("2026-02-01 to 2026-02-285\u{00A0}units15.00\u{00A0}EUR0.00\u{00A0}EUR5.00\u{00A0}EUR"))
    }

    @Test func pageNamesAreDistinctForIDsThatDifferOnlyInCaseOrKind() {
        let a = PartnerPortal.pageName(id: "P1", isGroup: false)
        let b = PartnerPortal.pageName(id: "p1", isGroup: false)
        let c = PartnerPortal.pageName(id: "P1", isGroup: true)
        #expect(Set([a.lowercased(), b.lowercased(), c.lowercased()]).count == 3)
        #expect(
            PartnerPortal.pageName(id: "../../etc/passwd", isGroup: false)
                == "p-etcpasswd-2e2e2f2e2e2f6574632f706173737764.html")
    }
}
