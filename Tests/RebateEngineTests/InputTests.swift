import Testing

@testable import RebateEngine

@Suite struct DecimalTextTests {
    func parse(_ s: String, _ maxFraction: Int = 3, scale: Int = 3) -> Result<Int64, DecimalTextError> {
        DecimalText.parse(s, maxFraction: maxFraction, scale: scale)
    }

    @Test func plainDecimalsAreExact() {
        #expect(parse("0.1") == .success(100))
        #expect(parse("-2.5") == .success(-2500))
        #expect(parse("007") == .success(7000))
        #expect(parse("-0") == .success(0))
        #expect(parse("999999999999.999") == .success(999_999_999_999_999))
        #expect(parse("12.50", 2, scale: 2) == .success(1250))
        #expect(parse("1234", 0, scale: 0) == .success(1234))
    }

    @Test(arguments: [".5", "5.", "+1", "1e3", "1,000", "", "-", "1.2.3", " 1", "1 ", "0x10", "١"])
    func malformedDecimalsAreRefused(_ text: String) {
        #expect(parse(text) == .failure(.syntax))
    }

    @Test func tooManyDecimalsAndTooLarge() {
        #expect(parse("1.0001") == .failure(.tooManyDecimals(max: 3)))
        #expect(parse("1.000", 2, scale: 2) == .failure(.tooManyDecimals(max: 2)))
        #expect(parse("1000000000000") == .failure(.tooLarge))
        #expect(parse("-1000000000000.5") == .failure(.tooLarge))
    }

    @Test func moneyAndPlainFormatting() {
        #expect(DecimalText.money(-5, decimals: 2) == "-0.05")
        #expect(DecimalText.money(0, decimals: 2) == "0.00")
        #expect(DecimalText.money(1234, decimals: 0) == "1234")
        #expect(DecimalText.money(1234, decimals: 3) == "1.234")
        #expect(DecimalText.plain(2500, scale: 3) == "2.5")
        #expect(DecimalText.plain(-100_000, scale: 3) == "-100")
        #expect(DecimalText.plain(1, scale: 3) == "0.001")
    }

    @Test func roundingTiesGoAwayFromZero() {
        // 2.665 and 60.325 at one digit fewer, both signs: ties round away from zero, round(-x) = -round(x).
        #expect(DecimalText.roundedQuotient(2665, 10) == 267)
        #expect(DecimalText.roundedQuotient(-2665, 10) == -267)
        #expect(DecimalText.roundedQuotient(60325, 10) == 6033)
        #expect(DecimalText.roundedQuotient(-60325, 10) == -6033)
        #expect(DecimalText.roundedQuotient(2665, 1000) == 3)
        #expect(DecimalText.roundedQuotient(-2665, 1000) == -3)
        #expect(DecimalText.roundedQuotient(2664, 1000) == 3)
        #expect(DecimalText.roundedQuotient(2499, 1000) == 2)
        for n in Int128(-3000)...3000 {
            #expect(DecimalText.roundedQuotient(-n, 7) == -DecimalText.roundedQuotient(n, 7))
        }
    }

    @Test func wideFallbackAgreesWithInt128() throws {
        for (n, d) in [(Int128(123_456_789_123), Int128(1000)), (-98765, 10), (5, 10), (-5, 10), (Int128.max / 3, 7)] {
            #expect(try WideInt(n).roundedQuotient(WideInt(d)) == DecimalText.roundedQuotient(n, d))
        }
        // A product far beyond Int128, divided back down: (10^30 * 10^20 + 5 * 10^19) / 10^20 rounds up.
        let big = WideInt.plus(
            WideInt.times(WideInt(Int128(10).power(30)), WideInt(Int128(10).power(20))),
            WideInt(5 * Int128(10).power(19)))
        #expect(try big.roundedQuotient(WideInt(Int128(10).power(20))) == Int128(10).power(30) + 1)
    }

    @Test func formulaFallsBackWhenInt128Overflows() {
        // Huge sums: 10^17 units at a 100% rate, incremental so B*slice products leave Int128.
        let a = Agreement(
            id: "X", program: .volume, beneficiary: .partner("P"), start: CivilDate("2026-01-01")!,
            end: CivilDate("2026-12-31")!,
            basis: .amount, tiering: .incremental, valueKind: .percent,
            tiers: [Tier(from: 0, value: 1_000_000), Tier(from: 100, value: 500_000)])
        let f = RebateFormula(a, decimals: 2)
        let sums = RebateFormula.Sums(quantity: 0, amount: Int128(10).power(20), pallets: 0, gates: [])
        // slices: 100 of 10^20 at 100%, the rest at 50%: 100 + (10^20 - 100)/2 = 5*10^19 + 50
        #expect(f.result(sums, gateMinimums: []).accrued == 5 * Int128(10).power(19) + 50)
    }
}

extension Int128 {
    func power(_ p: Int) -> Int128 { (0..<p).reduce(Int128(1)) { acc, _ in acc * self } }
}

@Suite struct CivilDateTests {
    @Test func roundTripsEveryDayOfTheSupportedRange() {
        var d = CivilDate("1900-01-01")!
        let last = CivilDate("2999-12-31")!
        var previousMonth = d.monthIndex
        while d <= last {
            let c = d.components
            #expect(CivilDate(year: c.year, month: c.month, day: c.day) == d)
            #expect(d.monthIndex == previousMonth || d.monthIndex == previousMonth + 1)
            previousMonth = d.monthIndex
            d = d.adding(days: 1)
        }
        #expect(CivilDate("2000-02-29") != nil)
        #expect(CivilDate("1900-02-29") == nil)
        #expect(CivilDate("2100-02-29") == nil)
        #expect(CivilDate("1899-12-31") == nil)
        #expect(CivilDate("3000-01-01") == nil)
        #expect(CivilDate("2026-1-01") == nil)
        #expect(CivilDate("2026-13-01") == nil)
        #expect(CivilDate("2026/01/01") == nil)
    }
}

@Suite struct RejectTests {
    func rejects(
        _ body: String,
        agreements: String = Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)])
    ) throws -> LoadedDataset {
        let dir = Fixture.folder(
            agreements: agreements, transactions: "line_id,date,partner_id,product_id,quantity,amount\n" + body)
        return try Fixture.load(dir)
    }

    @Test(arguments: [
        ("L1,2026-02-30,P1,B,1,1.00", "date:"),
        ("L1,2026-02-01,P1,B,1.0001,1.00", "quantity: \"1.0001\" has more than 3 decimal places"),
        ("L1,2026-02-01,P1,B,1,1.001", "amount: \"1.001\" has more than 2 decimal places"),
        ("L1,2026-02-01,P1,B,abc,1.00", "quantity: \"abc\" is not a plain decimal"),
        ("L1,2026-02-01,P1,B,1e3,1.00", "quantity: \"1e3\" is not a plain decimal"),
        ("L1,2026-02-01,P1,B,1,-1.00", "opposite signs"),
        ("L1,2026-02-01,P1,B,-1,1.00", "opposite signs"),
        ("L1,2026-02-01,P9,B,1,1.00", "partner_id: unknown partner \"P9\""),
        ("L1,2026-02-01,P1,Z,1,1.00", "product_id: unknown product \"Z\""),
        ("L1,2026-02-01,P1,B,1000000000000,1.00", "quantity: \"1000000000000\" is 10^12 or more"),
        (",2026-02-01,P1,B,1,1.00", "line_id: empty"),
        ("L1,2026-02-01,P1,B,1", "malformed CSV: expected 6 fields, found 5"),
        ("L1,2026-02-01,P1,B,1,1.00,extra", "malformed CSV: expected 6 fields, found 7"),
        ("L1,2026-02-01,P1,B,\"1,1.00", "malformed CSV: unterminated quoted field"),
        ("L1,2026-02-01,P1,B\"x,1,1.00", "malformed CSV: quote inside an unquoted field"),
        ("L1,2026-02-01,P1,\"B\"x,1,1.00", "malformed CSV: unexpected character after a closing quote"),
        ("L1,2026-02-01,P\u{FF}1,B,1,1.00", "invalid UTF-8"),
    ])
    func eachErrorClassNamesLineAndReason(line: String, reason: String) throws {
        // Line 2 is good, line 3 is bad, line 4 is good: the bad one is rejected alone.
        let body = "G1,2026-01-01,P1,B,1,1.00\n" + line + "\nG2,2026-01-02,P1,B,1,1.00\n"
        var bytes = Array(body.utf8)
        if line.contains("\u{FF}") { // put a raw invalid byte in place of the marker
            let marker = Array("\u{FF}".utf8)
            if let i = bytes.indices.first(where: { Array(bytes[$0..<min($0 + marker.count, bytes.count)]) == marker })
            {
                bytes.replaceSubrange(i..<i + marker.count, with: [0xFF])
            }
        }
        let dir = Fixture.folder(
            agreements: Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)]),
            transactions: "")
        try writeBytes(
            Array("line_id,date,partner_id,product_id,quantity,amount\n".utf8) + bytes, to: dir + "/transactions.csv")
        let loaded = try Fixture.load(dir)
        #expect(loaded.rejects.count == 1)
        let r = try #require(loaded.rejects.first)
        #expect(r.file == "transactions.csv")
        #expect(r.line == 3)
        #expect(r.reason.contains(reason), "\(r.reason)")
        #expect(loaded.totals.linesRead == 3)
        #expect(loaded.totals.linesAccepted == 2)
        #expect(loaded.totals.linesRead == loaded.totals.linesAccepted + loaded.totals.linesRejected)
        // The raw text is kept byte for byte.
        if !line.contains("\u{FF}") { #expect(Fixture.text(r.raw) == line) }
    }

    @Test func duplicateLineIDKeepsTheFirst() throws {
        let loaded = try rejects("X,2026-01-01,P1,B,1,1.00\nX,2026-01-02,P1,B,5,5.00\n")
        #expect(loaded.rejects.map(\.line) == [3])
        #expect(loaded.rejects[0].reason == "line_id: duplicate of line 2")
        #expect(loaded.dataset.transactions.quantity == [1000])
    }

    @Test func aRejectedLineDoesNotClaimItsLineID() throws {
        // The first X is bad; the second X is the only accepted one.
        let loaded = try rejects("X,2026-13-01,P1,B,1,1.00\nX,2026-01-02,P1,B,5,5.00\n")
        #expect(loaded.rejects.map(\.line) == [2])
        #expect(loaded.dataset.transactions.count == 1)
    }

    /// An amount in another currency is never read as book money: a `currency` that is neither empty,
    /// the book currency (EUR here) nor a listed one (none here) is rejected, on both parse paths.
    @Test func aLineInAnotherCurrencyIsRejected() throws {
        let dir = Fixture.folder(
            agreements: Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)]),
            transactions: """
                line_id,date,partner_id,product_id,quantity,amount,currency
                L1,2026-01-01,P1,B,1,1.00,EUR
                L2,2026-01-01,P1,B,2,2.00,
                L3,2026-01-01,P1,B,4,400,USD
                "L4",2026-01-01,P1,B,8,8.00,"JPY"
                L5,2026-01-01,P1,B,16,16.00,eur

                """)
        let loaded = try Fixture.load(dir)
        #expect(loaded.rejects.map(\.line) == [4, 5, 6])
        #expect(
            loaded.rejects.map(\.reason) == [
                #"currency: unknown currency "USD" (the book currency is "EUR")"#,
                #"currency: unknown currency "JPY" (the book currency is "EUR")"#,
                #"currency: unknown currency "eur" (the book currency is "EUR")"#,
            ])
        // 1 + 2 units accepted; an amount in an unknown currency has no book value, so those lines count
        // among the rejected lines whose numbers could not be read.
        #expect(loaded.dataset.transactions.quantity == [1000, 2000])
        #expect(loaded.totals.rejectedAmount == 0 && loaded.totals.rejectedUnreadable == 3)
    }

    @Test func severalReasonsAreAllReported() throws {
        let loaded = try rejects("L1,2026-13-01,P9,B,x,1.00\n")
        let reason = try #require(loaded.rejects.first?.reason)
        #expect(reason.contains("date:") && reason.contains("partner_id:") && reason.contains("quantity:"))
        #expect(loaded.totals.rejectedUnreadable == 1)
    }

    @Test func csvConformance() throws {
        // Quoted fields, "" escapes, CRLF, blank lines, a BOM, extra columns in any order, no final line break.
        let text =
            "\u{FEFF}amount,extra,line_id,quantity,date,partner_id,product_id\r\n"
            + "\"1.00\",\"a, \"\"quoted\"\"\nnote\",L1,1,2026-01-01,P1,B\r\n"
            + "\r\n"
            + "2.00,,\"L2\",2,2026-01-02,\"P1\",B\r\n"
            + "\n"
            + "3.00,x,L3,3,2026-01-03,P1,B"
        let dir = Fixture.folder(
            agreements: Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)]),
            transactions: "")
        try writeBytes(Array(text.utf8), to: dir + "/transactions.csv")
        let loaded = try Fixture.load(dir)
        #expect(loaded.rejects.isEmpty, "\(loaded.rejects.map(\.reason))")
        #expect(loaded.dataset.transactions.quantity == [1000, 2000, 3000])
        #expect(loaded.dataset.transactions.amount == [100, 200, 300])
        #expect(loaded.totals.linesRead == 3)
    }

    @Test func lineNumbersCountPhysicalLinesAcrossQuotedBreaks() throws {
        let loaded = try rejects("L1,2026-01-01,\"P1\",B,1,1.00\n\"L\n2\",2026-01-01,P1,B,1,1.00\nL3,bad,P1,B,1,1.00\n")
        // L1 on line 2, "L\n2" on lines 3-4, L3 on line 5.
        #expect(loaded.rejects.map(\.line) == [5])
    }

    @Test func unbalancedQuoteDoesNotSwallowTheFollowingLines() throws {
        let loaded = try rejects("L1,2026-01-01,P1,B,\"1,1.00\nL2,2026-01-01,P1,B,1,1.00\nL3,2026-01-01,P1,B,1,1.00\n")
        #expect(loaded.rejects.map(\.line) == [2])
        #expect(loaded.dataset.transactions.count == 2)
    }

    @Test func emptyAndHeaderOnlyFiles() throws {
        let headerOnly = try rejects("")
        #expect(headerOnly.totals.linesRead == 0)
        let dir = Fixture.folder(agreements: Fixture.agreements([]), transactions: "")
        #expect(throws: RebateError.self) { try Fixture.load(dir) }
    }

    @Test func missingTransactionColumnStopsTheRun() throws {
        let dir = Fixture.folder(
            agreements: Fixture.agreements([]),
            transactions: "line_id,date,partner_id,product_id,quantity\nL1,2026-01-01,P1,B,1\n")
        do {
            _ = try Fixture.load(dir)
            Issue.record("expected an error")
        } catch {
            #expect(error.exitCode == 2)
            #expect(error.description.contains("transactions.csv:1: missing required column amount"))
        }
    }
}

@Suite struct MasterDataTests {
    func problems(partners: String = Fixture.partners, products: String = Fixture.products, agreements: String)
        -> [String]
    {
        let dir = Fixture.folder(
            partners: partners, products: products, agreements: agreements, transactions: Fixture.lines([]))
        do {
            _ = try Fixture.load(dir)
            return []
        } catch {
            guard case .invalidInput(let p) = error else { return ["unexpected \(error)"] }
            return p.map(\.description)
        }
    }

    @Test func everyAgreementProblemIsReportedAtOnceWithItsPath() {
        let bad = Fixture.agreements([
            Fixture.agreement(tiers: #"[{"from": "10", "percent": "1"}, {"from": "5", "percent": "2"}]"#),
            Fixture.agreement(
                id: "AG2", program: "logistics", basis: "amount", tiers: #"[{"from": "0", "per_pallet": "1"}]"#),
            Fixture.agreement(
                id: "AG3", beneficiary: #"{"partner": "NOPE"}"#, tiers: #"[{"from": "0", "percent": "1.00001"}]"#),
            Fixture.agreement(
                id: "AG4", program: "cross_sell",
                tiers: #"[{"from": "0", "fixed": "1"}, {"from": "1", "percent": "1"}]"#),
            Fixture.agreement(
                id: "AG1", start: "2026-05-01", end: "2026-04-01", tiers: #"[{"from": "0", "percent": "1"}]"#,
                extra: #""products": {"categories": ["C9"]}"#),
        ])
        let p = problems(agreements: bad)
        let expected = [
            "agreements.json: agreements[0].tiers[1].from: not ascending",
            "agreements.json: agreements[1].basis: a logistics agreement needs basis \"pallets\"",
            "agreements.json: agreements[2].tiers[0].percent: \"1.00001\" has more than 4 decimal places",
            "agreements.json: agreements[3].requires: a cross_sell agreement needs at least one gate",
            "agreements.json: agreements[3].tiers[1].percent: every tier must carry the same kind of value",
            "agreements.json: agreements[4].end: before start",
        ]
        for e in expected { #expect(p.contains { $0.hasPrefix(e) }, "missing: \(e)\n got: \(p)") }
    }

    /// SPEC section 2 (v3): every undefined member is refused at once, with its path and the closest
    /// defined name; `x-` members are the user's own and change nothing.
    @Test func undefinedMembersAreRefusedWithTheClosestName() throws {
        var json = Fixture.agreements([
            Fixture.agreement(
                tiers: #"[{"from": "0", "percnt": "1"}]"#,
                extra: #""tierng": "incremental", "accounts": {"payabel": "2100"}, "x-owner": "sales""#),
            Fixture.agreement(
                id: "AG2", beneficiary: #"{"partner": "P1", "x-note": 1}"#, tiers: #"[{"from": "0", "per_unit": "1"}]"#,
                extra: #""requires": [{"products": {"categories": ["C1"], "sku": ["B"]}, "min_quantity": "1"}]"#),
        ])
        json = json.replacingOccurrences(of: #""decimals": 2,"#, with: #""decimals": 2, "curency": "USD","#)
        let p = problems(agreements: json)
        let expected = [
            #"agreements.json: curency: "curency" is not defined here (did you mean "currency"?)"#,
            #"agreements.json: agreements[0].tierng: "tierng" is not defined here (did you mean "tiering"?)"#,
            #"agreements.json: agreements[0].tiers[0].percnt: "percnt" is not defined here (did you mean "percent"?)"#,
            #"agreements.json: agreements[0].accounts.payabel: "payabel" is not defined here (did you mean "payable"?)"#,
            #"agreements.json: agreements[1].requires[0].products.sku: "sku" is not defined here"#,
        ]
        for e in expected { #expect(p.contains { $0.hasPrefix(e) }, "missing: \(e)\n got: \(p)") }
        #expect(!p.contains { $0.contains("x-owner") || $0.contains("x-note") }, "\(p)")
        // x- members alone are accepted and change nothing.
        let ok = Fixture.agreement(
            tiers: #"[{"from": "0", "per_unit": "1", "x-why": "launch"}]"#, extra: #""x-owner": "sales""#)
        let r = try Fixture.run(agreements: [ok], lines: ["2026-01-01,P1,B,3,1.00"])
        #expect(Fixture.earned(r, period: "2026-01-01") == "3.00")
    }

    @Test func referencesToUnknownIdsAreWarningsAndMatchNothing() throws {
        let agreements = Fixture.agreements([
            Fixture.agreement(
                id: "A", tiers: #"[{"from": "0", "per_unit": "1"}]"#,
                extra: #""products": {"categories": ["C9"], "products": ["ZZ", "B"]}"#),
            Fixture.agreement(id: "B", beneficiary: #"{"partner": "NOPE"}"#, tiers: #"[{"from": "0", "fixed": "5"}]"#),
            Fixture.agreement(id: "C", beneficiary: #"{"group": "G9"}"#, tiers: #"[{"from": "1", "per_unit": "1"}]"#),
        ])
        let dir = Fixture.folder(
            agreements: agreements, transactions: Fixture.lines(["2026-01-01,P1,B,2,1.00", "2026-01-01,P1,A,7,1.00"]))
        let loaded = try Fixture.load(dir)
        let warnings = loaded.dataset.agreements.warnings.map(\.description)
        #expect(
            warnings.contains {
                $0.hasPrefix("agreements.json: agreements[0].products.categories[0]: no product has category \"C9\"")
            })
        #expect(
            warnings.contains {
                $0.hasPrefix(
                    "agreements.json: agreements[0].products.products[0]: product \"ZZ\" is not in products.csv")
            })
        #expect(
            warnings.contains {
                $0.hasPrefix(
                    "agreements.json: agreements[1].beneficiary.partner: partner \"NOPE\" is not in partners.csv")
            })
        #expect(
            warnings.contains {
                $0.hasPrefix("agreements.json: agreements[2].beneficiary.group: no partner has group_id \"G9\"")
            })
        let r = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(threads: 2))
        // A: only product B counts (2 units). B: no lines, but a fixed tier from 0 is reached at B = 0 (5.00). C: nothing.
        #expect(Fixture.earned(r, "A", period: "2026-01-01") == "2.00")
        #expect(Fixture.earned(r, "B", period: "2026-01-01") == "5.00")
        #expect(Fixture.earned(r, "C", period: "2026-01-01") == "0.00")
        #expect(r.accruals.filter { $0.agreementID == "C" }.count == 12)
    }

    @Test func jsonNumbersMeanTheDecimalWritten() throws {
        let a = Fixture.agreement(
            basis: "amount", tiers: #"[{"from": 0, "percent": 0.1}, {"from": 1e3, "percent": 2.5}]"#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-01,P1,B,1,999.99"])
        // 999.99 * 0.1% = 0.99999 -> 1.00 (0.1 is exactly one tenth)
        #expect(Fixture.earned(r, period: "2026-01-01") == "1.00")
        #expect(r.statements[0].nextTierFrom == .volume(Volume(Money(minorUnits: 1000_00))))
    }

    @Test func nullOptionalMembersMeanTheirDefaults() throws {
        let a = Fixture.agreement(
            tiers: #"[{"from": "0", "per_unit": "1"}]"#,
            extra:
                #""products": null, "settlement": null, "tiering": null, "cap": null, "requires": null, "accrual": null"#
        )
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-01,P1,D,3,1.00"])
        #expect(r.settlements.count == 1) // term
        #expect(Fixture.earned(r, period: "2026-01-01") == "3.00") // every product
    }

    @Test func invalidJSONNamesLineAndColumn() {
        let p = problems(agreements: "{\n  \"currency\": \"EUR\",\n  \"decimals\": 2\n  \"agreements\": []\n}")
        #expect(p.count == 1)
        #expect(p.first?.hasPrefix("agreements.json:4: invalid JSON") == true, "\(p)")
    }

    @Test func partnerAndProductProblemsAreListedByLine() {
        let partners = "partner_id,name,group_id\nP1,A,\nP1,B,\n,C,\n"
        let products = "product_id,name,category,pallet_qty\nA,W,C1,0\nB,G,C1,1.2345\nC,X,C2,abc\n"
        let p = problems(partners: partners, products: products, agreements: Fixture.agreements([]))
        #expect(p.contains("partners.csv:3: partner_id: duplicate id \"P1\" (first on line 2)"))
        #expect(p.contains("partners.csv:4: partner_id: empty id"))
        #expect(p.contains("products.csv:2: pallet_qty: \"0\" must be greater than 0"))
        #expect(p.contains("products.csv:3: pallet_qty: \"1.2345\" has more than 3 decimal places"))
        #expect(p.contains("products.csv:4: pallet_qty: \"abc\" is not a plain decimal"))
    }

    @Test func missingFilesAndColumns() {
        let p = problems(partners: "partner_id,name\nP1,A\n", agreements: Fixture.agreements([]))
        #expect(p.contains("partners.csv:1: missing required column group_id"))
    }
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try AtomicFile.write(bytes, to: path)
}
