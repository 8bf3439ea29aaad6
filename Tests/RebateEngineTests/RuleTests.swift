import Testing

@testable import RebateEngine

/// One test per SPEC rule; every expected figure is worked out by hand in the comment beside it.
@Suite struct RuleTests {
    @Test func tierReachedExactlyAtItsThreshold() throws {
        let tiers = #"[{"from": "0", "per_unit": "0.10"}, {"from": "100", "per_unit": "0.20"}]"#
        // B = 100 >= 100: tier 2, 100 * 0.20 = 20.00
        let at = try Fixture.run(agreements: [Fixture.agreement(tiers: tiers)], lines: ["2026-03-01,P1,B,100,500.00"])
        #expect(Fixture.earned(at, period: "2026-01-01") == "20.00")
        #expect(at.settlements[0].tier == 2)
        // B = 99.999: tier 1, 99.999 * 0.10 = 9.9999 -> 10.00
        let below = try Fixture.run(
            agreements: [Fixture.agreement(tiers: tiers)], lines: ["2026-03-01,P1,B,99.999,500.00"])
        #expect(Fixture.earned(below, period: "2026-01-01") == "10.00")
        #expect(below.settlements[0].tier == 1)
    }

    @Test func returnsDropAPeriodBelowATier() throws {
        let a = Fixture.agreement(
            basis: "amount", tiers: #"[{"from": "0", "percent": "1"}, {"from": "1000", "percent": "2"}]"#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-10,P1,B,10,1200.00", "2026-02-10,P1,B,-3,-300.00"])
        // January: 1200 >= 1000, 2% = 24.00. February: 900, 1% = 9.00, posting -15.00.
        #expect(Fixture.accrued(r, month: "2026-01") == "24.00")
        #expect(Fixture.accrued(r, month: "2026-02") == "9.00")
        #expect(r.accruals[1].posting == -1500)
        #expect(r.accruals[1].tier == 1)
        #expect(Fixture.earned(r, period: "2026-01-01") == "9.00")
    }

    @Test func incrementalSlicesOnQuantityPaidAsPercentOfAmount() throws {
        let a = Fixture.agreement(
            tiers:
                #"[{"from": "0", "percent": "1"}, {"from": "100", "percent": "2"}, {"from": "200", "percent": "4"}]"#,
            extra: #""tiering": "incremental""#)
        // B = 250: slices 100, 100, 50 of 250; R = A * (0.4*1% + 0.4*2% + 0.2*4%) = A * 2%
        // A = 4321.07 -> 86.4214 -> 86.42
        let r = try Fixture.run(agreements: [a], lines: ["2026-05-05,P1,B,250,4321.07"])
        #expect(Fixture.earned(r, period: "2026-01-01") == "86.42")
        #expect(r.settlements[0].tier == 3)
    }

    @Test func incrementalPerUnitAboveABaseline() throws {
        let a = Fixture.agreement(
            program: "upsell", tiers: #"[{"from": "0", "per_unit": "0"}, {"from": "500", "per_unit": "0.40"}]"#,
            extra: #""tiering": "incremental""#)
        // 730 units: only the 230 above 500 earn 0.40 -> 92.00
        let r = try Fixture.run(agreements: [a], lines: ["2026-02-01,P1,B,400,1.00", "2026-03-01,P1,B,330,1.00"])
        #expect(Fixture.earned(r, period: "2026-01-01") == "92.00")
        #expect(Fixture.accrued(r, month: "2026-02") == "0.00")
    }

    @Test func aReturnOfTwoAndAHalfPalletsCountsAsMinusTwo() throws {
        let a = Fixture.agreement(
            program: "logistics", basis: "pallets", tiers: #"[{"from": "0", "per_pallet": "5.00"}]"#)
        // Widget A: 10 a pallet. +30 units = 3 pallets; -25 units = -2 pallets (toward zero). N = 1 -> 5.00
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,A,30,300.00", "2026-01-20,P1,A,-25,-250.00"])
        #expect(Fixture.earned(r, period: "2026-01-01") == "5.00")
        let s = r.settlements[0]
        #expect(s.pallets == 1)
        // quantity 30 - 20 = 10; amount 300 + (-250 * 20 / 25 = -200) = 100.00
        #expect(s.quantity == 10_000)
        #expect(s.amount == 10_000)
    }

    /// The hot loop counts pallets by a multiply and a shift; checked here against the hardware
    /// division (toward zero) on the edges of every divisor width and on pseudo-random values.
    @Test func palletCountByMultiplicationEqualsDivision() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { // SplitMix64: the same values every run
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let limit: Int64 = 1 << 60 // quantities are below 10^18 milli-units, under 2^60
        var divisors: [Int64] = Array(1...300)
        for bit in 2..<63 { divisors += [(1 << bit) - 1, 1 << bit, (1 << bit) + 1] }
        divisors += [Int64.max, Int64.max - 1, 999_999_999_999_999_999]
        for _ in 0..<300 { divisors.append(Int64(next() >> UInt64(1 + next() % 63)) | 1) }
        var checked = 0
        for d in divisors {
            let divisor = PalletDivisor(d)
            var quantities: [Int64] = [0, 1, limit - 1, d - 1, d, d &+ 1]
            if d < limit / 3 { quantities += [2 * d - 1, 2 * d, 3 * d + 1, limit / d * d, limit / d * d - 1] }
            for _ in 0..<40 { quantities.append(Int64(next() % UInt64(limit))) }
            for q in quantities where q >= 0 && q < limit {
                for x in [q, -q] {
                    #expect(divisor.fullPallets(x) == x / d, "\(x) / \(d)")
                    checked += 1
                }
            }
        }
        #expect(checked > 30_000)
        // Not sold by the pallet: no full pallets, whatever the quantity.
        #expect(PalletDivisor(0).fullPallets(limit - 1) == 0)
        #expect(PalletDivisor(0).fullPallets(-25_000) == 0)
    }

    @Test func palletShareOfTheAmountEqualsAWideDivisionByHand() {
        // The share of a line's amount that its full pallets carry, amount * n*s / quantity, worked out
        // here in Int128 with the half rounded away from zero by hand.
        func expected(quantity: Int64, amount: Int64, size: Int64) -> Int64 {
            let share = Int128(quantity / size * size)
            if share == 0 { return 0 }
            let num = Int128(amount) * Int128(share.magnitude)
            let den = Int128(quantity.magnitude)
            var q = num.magnitude / den.magnitude
            if 2 * (num.magnitude % den.magnitude) >= den.magnitude { q += 1 }
            return Int64(num < 0 ? -Int128(q) : Int128(q))
        }
        var state: UInt64 = 0x0123_4567_89AB_CDEF
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        // The largest a line may hold (checked before the loop): |quantity| < 10^15 milli-units, |amount| < 10^18.
        let (qMax, aMax): (Int64, Int64) = (999_999_999_999_999, 999_999_999_999_999_999)
        // Exact halves (3 of 4 units by the pallet: 2 * 3/4 = 1.5, 6 * 3/4 = 4.5), whole pallets, below
        // a pallet, the largest values.
        var cases: [(Int64, Int64, Int64)] = [
            (4, 2, 3), (4, 6, 3), (30, 25, 20), (45, 25, 15), (20, 7, 10), (9, 100, 10), (10, 100, 10),
            (qMax, aMax, 1), (qMax, aMax, qMax), (qMax, aMax, qMax - 1), (qMax, 1, 3), (qMax - 1, aMax, 2),
        ]
        for _ in 0..<5_000 {
            let quantity = Int64(next() % UInt64(qMax)) >> (next() % 50)
            cases.append((quantity, Int64(next() % UInt64(aMax)) >> (next() % 60), Int64(next() % 10_000) + 1))
        }
        for (quantity, amount, size) in cases {
            let divisor = PalletDivisor(size)
            for (q, a) in [(quantity, amount), (-quantity, amount), (quantity, -amount), (-quantity, -amount)] {
                let n = divisor.fullPallets(q)
                let (share, shareAmount, basis) = PalletBasis.contribution(
                    quantity: q, amount: a, pallets: n, palletSize: size)
                #expect(share == q / size * size && basis == n * 1000, "\(q) of \(size)")
                #expect(shareAmount == expected(quantity: q, amount: a, size: size), "\(a) for \(q) of \(size)")
            }
        }
    }

    @Test func fullPalletShareOfTheAmountIsRoundedPerLine() throws {
        let a = Fixture.agreement(program: "logistics", basis: "pallets", tiers: #"[{"from": "0", "percent": "10"}]"#)
        // 17 units of A (10 a pallet): 1 pallet, 10 units, amount 100.00 * 10/17 = 58.8235 -> 58.82 per line
        // twice: 117.64 (not 117.65 from rounding the sum); 10% -> 11.764 -> 11.76
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,A,17,100.00", "2026-01-06,P1,A,17,100.00"])
        #expect(r.settlements[0].amount == 11_764)
        #expect(Fixture.earned(r, period: "2026-01-01") == "11.76")
    }

    @Test func fractionalPalletSizes() throws {
        // Gizmo C: 2.5 a pallet. 7.4 units -> 2 pallets (5 units); amount 74.00 * 5 / 7.4 = 50.00
        let a = Fixture.agreement(
            program: "logistics", basis: "pallets",
            tiers: #"[{"from": "0", "per_pallet": "1.25"}, {"from": "1.5", "per_pallet": "2"}]"#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,C,7.4,74.00"])
        #expect(r.settlements[0].amount == 5_000)
        #expect(r.settlements[0].tier == 2)
        #expect(Fixture.earned(r, period: "2026-01-01") == "4.00")
    }

    @Test func productsWithoutPalletSizeContributeNothingToPalletAgreements() throws {
        let a = Fixture.agreement(program: "logistics", basis: "pallets", tiers: #"[{"from": "1", "per_pallet": "3"}]"#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,B,1000,100.00"])
        #expect(r.settlements[0].quantity == 0)
        #expect(r.settlements[0].amount == 0)
        #expect(Fixture.earned(r, period: "2026-01-01") == "0.00")
    }

    @Test func agreementStartingMidMonth() throws {
        let a = Fixture.agreement(
            start: "2026-03-15", end: "2026-05-31", tiers: #"[{"from": "0", "per_unit": "1"}]"#,
            extra: #""settlement": "month""#)
        // 10 March is before the start and does not count; 20 March does.
        let r = try Fixture.run(agreements: [a], lines: ["2026-03-10,P1,B,7,7.00", "2026-03-20,P1,B,3,3.00"])
        #expect(r.accruals.map { $0.month.monthText } == ["2026-03", "2026-04", "2026-05"])
        #expect(r.accruals[0].periodStart.description == "2026-03-15")
        #expect(r.accruals[0].periodEnd.description == "2026-03-31")
        #expect(Fixture.earned(r, period: "2026-03-15") == "3.00")
    }

    @Test func quarterPeriodsCutToTheAgreementDates() {
        let p = SettlementPeriod.periods(from: CivilDate("2026-02-10")!, to: CivilDate("2026-08-05")!, .quarter)
        #expect(
            p.map { "\($0.start)..\($0.end)" } == [
                "2026-02-10..2026-03-31", "2026-04-01..2026-06-30", "2026-07-01..2026-08-05",
            ])
        let y = SettlementPeriod.periods(from: CivilDate("2025-07-01")!, to: CivilDate("2026-06-30")!, .year)
        #expect(y.map { "\($0.start)..\($0.end)" } == ["2025-07-01..2025-12-31", "2026-01-01..2026-06-30"])
    }

    @Test func leapDay() throws {
        let a = Fixture.agreement(
            start: "2028-02-01", end: "2028-02-29", tiers: #"[{"from": "0", "per_unit": "2"}]"#,
            extra: #""accrual": "forecast""#)
        // 29 February 2028 exists; the period is 29 days and the line on its last day counts: 5 * 2 = 10.00
        let r = try Fixture.run(agreements: [a], lines: ["2028-02-29,P1,B,5,5.00"])
        #expect(Fixture.earned(r, period: "2028-02-01") == "10.00")
        #expect(SettlementPeriod(start: CivilDate("2028-02-01")!, end: CivilDate("2028-02-29")!).days == 29)
        #expect(CivilDate("2026-02-29") == nil)
    }

    @Test func forecastScalesTheVolumeByK() throws {
        let a = Fixture.agreement(
            end: "2026-03-31", tiers: #"[{"from": "0", "per_unit": "0.10"}, {"from": "300", "per_unit": "0.20"}]"#,
            extra: #""settlement": "quarter", "accrual": "forecast""#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-15,P1,B,120,1.00"])
        // D = 90. January: e = 31, k*B = 120*90/31 = 348.4 >= 300 -> tier 2; R(kQ)/k = 120 * 0.20 = 24.00
        #expect(Fixture.accrued(r, month: "2026-01") == "24.00")
        // February: e = 59, k*B = 183.1 -> tier 1: 12.00. March: k = 1, earned 12.00.
        #expect(Fixture.accrued(r, month: "2026-02") == "12.00")
        #expect(Fixture.accrued(r, month: "2026-03") == "12.00")
        #expect(r.accruals.map(\.posting) == [2400, -1200, 0])
        // The tier column is the actual basis's tier, not the run-rate's.
        #expect(r.accruals[0].tier == 1)
    }

    @Test func forecastOfAFixedTierIsScaledBackByK() throws {
        let a = Fixture.agreement(
            end: "2026-03-31", tiers: #"[{"from": "100", "fixed": "90"}]"#,
            extra: #""settlement": "quarter", "accrual": "forecast""#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-15,P1,B,40,1.00"])
        // January: k*B = 40*90/31 = 116.1 >= 100: R = 90, / k = 90 * 31/90 = 31.00. February: 61.0 < 100: 0.
        #expect(Fixture.accrued(r, month: "2026-01") == "31.00")
        #expect(Fixture.accrued(r, month: "2026-02") == "0.00")
    }

    @Test func statementAtAnAsOfDateGivesRunRateAndDistance() throws {
        let a = Fixture.agreement(
            end: "2026-03-31", tiers: #"[{"from": "0", "per_unit": "0.10"}, {"from": "300", "per_unit": "0.20"}]"#,
            extra: #""settlement": "quarter""#)
        let r = try Fixture.run(
            agreements: [a], lines: ["2026-01-15,P1,B,120,1.00", "2026-02-01,P1,B,50,1.00"], asOf: "2026-01-31")
        let s = try #require(r.statements.first)
        #expect(s.asOf.description == "2026-01-31")
        #expect(s.earnedToDate == 1200) // 120 * 0.10
        #expect(s.nextTierFrom == .volume(Volume(Quantity(units: 300))))
        #expect(s.toNextTier == Volume(Quantity(units: 180)))
        // forecast: k = 90/31, k*Q*0.20 = 120*90/31*0.20 = 69.677 -> 69.68
        #expect(s.forecastEarned == 6968)
        #expect(r.settlements.isEmpty) // the quarter has not ended
        #expect(r.accruals.count == 1) // months after the as-of month are not reported
        #expect(r.linesAfterAsOf == 1)
    }

    @Test func gateUnmetThenMet() throws {
        let a = Fixture.agreement(
            program: "cross_sell", basis: "amount", tiers: #"[{"from": "0", "percent": "5"}]"#,
            extra:
                #""products": {"categories": ["C1"]}, "requires": [{"products": {"categories": ["C3"]}, "min_amount": "100"}]"#
        )
        let r = try Fixture.run(
            agreements: [a], lines: ["2026-01-05,P1,B,1,1000.00", "2026-01-06,P1,D,1,60.00", "2026-02-06,P1,D,1,50.00"])
        // January: gate 60 < 100 -> 0. February: 110 >= 100 -> 5% of 1000 = 50.00 (the gate's own lines are out of scope).
        #expect(Fixture.accrued(r, month: "2026-01") == "0.00")
        #expect(Fixture.accrued(r, month: "2026-02") == "50.00")
        #expect(r.accruals[1].amount == 100_000)
    }

    @Test func capLimitsEachPeriod() throws {
        let a = Fixture.agreement(
            basis: "amount", tiers: #"[{"from": "0", "percent": "10"}]"#,
            extra: #""cap": "75.00", "settlement": "month""#)
        // January 1000.00 * 10% = 100 -> 75.00; February 500.00 -> 50.00: every period starts from zero.
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,B,1,1000.00", "2026-02-05,P1,B,1,500.00"])
        #expect(Fixture.earned(r, period: "2026-01-01") == "75.00")
        #expect(Fixture.earned(r, period: "2026-02-01") == "50.00")
    }

    @Test func aGroupSumsItsMembers() throws {
        let a = Fixture.agreement(
            beneficiary: #"{"group": "G1"}"#,
            tiers: #"[{"from": "0", "per_unit": "0"}, {"from": "50", "per_unit": "1"}]"#)
        // P2 30 + P3 25 = 55 >= 50 -> 55.00; P1 is not a member.
        let r = try Fixture.run(
            agreements: [a], lines: ["2026-01-05,P2,B,30,1.00", "2026-01-06,P3,B,25,1.00", "2026-01-07,P1,B,1000,1.00"])
        #expect(Fixture.earned(r, period: "2026-01-01") == "55.00")
        #expect(r.settlements[0].beneficiary == "G1")
    }

    @Test func partnerAndGroupAgreementsShareLines() throws {
        let group = Fixture.agreement(
            id: "GRP", beneficiary: #"{"group": "G1"}"#, tiers: #"[{"from": "0", "per_unit": "1"}]"#)
        let own = Fixture.agreement(
            id: "OWN", beneficiary: #"{"partner": "P2"}"#, tiers: #"[{"from": "0", "per_unit": "2"}]"#)
        let r = try Fixture.run(
            agreements: [own, group], lines: ["2026-01-05,P2,B,3,1.00", "2026-01-06,P3,B,4,1.00"], threads: 2)
        #expect(Fixture.earned(r, "GRP", period: "2026-01-01") == "7.00")
        #expect(Fixture.earned(r, "OWN", period: "2026-01-01") == "6.00")
        #expect(r.settlements.map(\.agreementID) == ["GRP", "OWN"]) // bytewise by id
    }

    @Test func asOfInMidMonth() throws {
        let a = Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#, extra: #""settlement": "month""#)
        let r = try Fixture.run(
            agreements: [a], lines: ["2026-01-05,P1,B,1,1.00", "2026-02-10,P1,B,2,1.00", "2026-02-20,P1,B,4,1.00"],
            asOf: "2026-02-14")
        // Line of 20 February is not yet known. January settled (1.00); February accrued 2.00, not settled.
        #expect(r.accruals.map { $0.month.monthText } == ["2026-01", "2026-02"])
        #expect(Fixture.accrued(r, month: "2026-02") == "2.00")
        #expect(r.settlements.count == 1)
        #expect(r.statements.first?.asOf.description == "2026-02-14")
        #expect(r.statements.first?.periodStart.description == "2026-02-01")
    }

    @Test func agreementNotStartedByTheAsOfDateHasNoStatement() throws {
        let a = Fixture.agreement(start: "2026-03-15", tiers: #"[{"from": "0", "per_unit": "1"}]"#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,B,1,1.00"], asOf: "2026-03-10")
        #expect(r.statements.isEmpty)
        #expect(r.accruals.isEmpty)
    }

    @Test func yenHasNoDecimals() throws {
        let a = Fixture.agreement(
            basis: "amount", tiers: #"[{"from": "0", "percent": "2.5"}]"#, extra: #""settlement": "month""#)
        // 1234 * 2.5% = 30.85 -> 31; 1220 * 2.5% = 30.5 -> 31 (half away from zero); 1219 -> 30.475 -> 30
        let r = try Fixture.run(
            agreements: [a], lines: ["2026-01-05,P1,B,1,1234", "2026-02-05,P1,B,1,1220", "2026-03-05,P1,B,1,1219"],
            decimals: 0)
        #expect(Fixture.earned(r, period: "2026-01-01") == "31")
        #expect(Fixture.earned(r, period: "2026-02-01") == "31")
        #expect(Fixture.earned(r, period: "2026-03-01") == "30")
        #expect(Fixture.text(r.settlementsCSV()).contains(",1234,0,1234,1,31,,\n"))
    }

    @Test func threeDecimalCurrency() throws {
        let a = Fixture.agreement(basis: "amount", tiers: #"[{"from": "0", "percent": "0.5"}]"#)
        // 60.325 * 0.5% = 0.301625 -> 0.302
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,B,1,60.325"], decimals: 3)
        #expect(Fixture.earned(r, period: "2026-01-01") == "0.302")
    }

    @Test func noTierReachedEarnsNothing() throws {
        let a = Fixture.agreement(tiers: #"[{"from": "10", "per_unit": "1"}]"#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,B,9.999,1.00"])
        #expect(r.settlements[0].tier == 0)
        #expect(Fixture.earned(r, period: "2026-01-01") == "0.00")
        #expect(r.statements[0].toNextTier == Volume(Quantity(milliUnits: 1))) // 0.001 units
    }

    @Test func negativeResultIsClampedToZero() throws {
        // Quantity basis but percent of amount: credits push the amount below zero.
        let a = Fixture.agreement(tiers: #"[{"from": "0", "percent": "10"}]"#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,B,5,10.00", "2026-01-06,P1,B,0,-50.00"])
        #expect(r.settlements[0].amount == -4_000)
        #expect(Fixture.earned(r, period: "2026-01-01") == "0.00")
    }

    @Test func incrementalFixedTiersAddUp() throws {
        let a = Fixture.agreement(
            tiers: #"[{"from": "0", "fixed": "5"}, {"from": "10", "fixed": "7"}, {"from": "20", "fixed": "100"}]"#,
            extra: #""tiering": "incremental""#)
        // B = 15: tiers 1 and 2 reached, 5 + 7 = 12.00. A fixed tier from 0 is reached even at B = 0.
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,B,15,1.00"])
        #expect(Fixture.earned(r, period: "2026-01-01") == "12.00")
    }

    @Test func tierGamingIsFlagged() throws {
        let a = Fixture.agreement(
            end: "2026-06-30", basis: "amount",
            tiers: #"[{"from": "0", "percent": "1"}, {"from": "1000", "percent": "3"}]"#,
            extra: #""settlement": "quarter""#)
        // Q1: 800 early, 400 on 28 March (last 7 days: 25..31 March): 1200 reaches tier 2, 800 would not.
        // Returned 250 on 10 April (>= 400 / 2 = 200): gaming.
        let r = try Fixture.run(
            agreements: [a],
            lines: ["2026-01-10,P1,B,8,800.00", "2026-03-28,P1,B,4,400.00", "2026-04-10,P1,B,-2.5,-250.00"])
        let found = r.anomalies.filter { $0.kind == .tierGaming }
        #expect(found.count == 1)
        #expect(found.first?.periodStart.description == "2026-01-01")
        // A return of only 150 (< 200) is not enough.
        let r2 = try Fixture.run(
            agreements: [a],
            lines: ["2026-01-10,P1,B,8,800.00", "2026-03-28,P1,B,4,400.00", "2026-04-10,P1,B,-1.5,-150.00"])
        #expect(!r2.anomalies.contains { $0.kind == .tierGaming })
        // Bought on 24 March, outside the last 7 days: no gaming.
        let r3 = try Fixture.run(
            agreements: [a],
            lines: ["2026-01-10,P1,B,8,800.00", "2026-03-24,P1,B,4,400.00", "2026-04-10,P1,B,-2.5,-250.00"])
        #expect(!r3.anomalies.contains { $0.kind == .tierGaming })
    }

    @Test func tierGamingWatchesReturnsAfterTheAgreementEnds() throws {
        let a = Fixture.agreement(
            end: "2026-03-31", tiers: #"[{"from": "0", "per_unit": "0"}, {"from": "100", "per_unit": "1"}]"#)
        // Bought 60 on 30 March lifting 50 -> 110 across 100; 40 returned on 20 April, after the agreement ended (40 >= 30).
        let r = try Fixture.run(
            agreements: [a], lines: ["2026-02-01,P1,B,50,1.00", "2026-03-30,P1,B,60,1.00", "2026-04-20,P1,B,-40,-1.00"])
        #expect(r.anomalies.map(\.kind) == [.tierGaming])
        // The return is after the end, so the settlement keeps 110 units: 110.00.
        #expect(Fixture.earned(r, period: "2026-01-01") == "110.00")
    }

    @Test func negativeBasisIsFlagged() throws {
        let a = Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#, extra: #""settlement": "month""#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,B,-3,-3.00"])
        #expect(r.anomalies.map(\.kind) == [.negativeBasis])
        #expect(r.anomalies[0].periodStart.description == "2026-01-01")
    }

    @Test func productScopeIsTheUnionOfCategoriesAndProducts() throws {
        let a = Fixture.agreement(
            tiers: #"[{"from": "0", "per_unit": "1"}]"#,
            extra: #""products": {"categories": ["C2"], "products": ["B"]}"#)
        // B (C1, listed) 2 + C (C2) 3 count; A (C1, not listed) and D do not.
        let r = try Fixture.run(
            agreements: [a],
            lines: [
                "2026-01-05,P1,A,100,1.00", "2026-01-05,P1,B,2,1.00", "2026-01-05,P1,C,3,1.00",
                "2026-01-05,P1,D,50,1.00",
            ])
        #expect(Fixture.earned(r, period: "2026-01-01") == "5.00")
    }

    @Test func priceAdjustmentsCountForAmountNotQuantity() throws {
        let a = Fixture.agreement(basis: "amount", tiers: #"[{"from": "0", "percent": "10"}]"#)
        let r = try Fixture.run(agreements: [a], lines: ["2026-01-05,P1,B,10,100.00", "2026-01-06,P1,B,0,-20.00"])
        #expect(r.settlements[0].quantity == 10_000)
        #expect(Fixture.earned(r, period: "2026-01-01") == "8.00")
    }

    @Test func postingsOfAPeriodSumToItsSettlement() throws {
        let a = Fixture.agreement(
            basis: "amount", tiers: #"[{"from": "0", "percent": "1.5"}, {"from": "500", "percent": "3.25"}]"#,
            extra: #""settlement": "quarter", "accrual": "forecast""#)
        let r = try Fixture.run(
            agreements: [a],
            lines: [
                "2026-01-05,P1,B,1,333.33", "2026-02-07,P1,B,1,120.01", "2026-03-30,P1,B,1,77.77",
                "2026-05-01,P1,B,-1,-10.00",
            ])
        for s in r.settlements {
            let postings = r.accruals.filter { $0.periodStart == s.periodStart }.reduce(Money.zero) { $0 + $1.posting }
            #expect(postings == s.earned)
        }
        try r.verifyInvariants()
    }
}
