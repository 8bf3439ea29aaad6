import Testing

@_spi(Benchmarks) @testable import RebateEngine

@Suite struct CeilingTests {
    /// The ceiling's two passes do the work they claim: checked against sums kept by hand.
    @Test func readPassAndScatterAddSumWhatTheyRead() {
        var columns = TransactionColumns()
        var bySlot: [Int: Int64] = [:]
        var total: Int64 = 0
        let first = CivilDate("2026-01-01")!
        for i in 0..<200_000 {
            let partner = Int32(i % 7)
            let day = first.dayNumber + Int32(i % 365)
            let amount = Int64(i % 1000) - 300
            columns.append(partner: partner, product: Int32(i % 3), day: day, quantity: 1000, amount: amount)
            total &+= Int64(partner) + Int64(i % 3) + Int64(day) + 1000 + amount
            // Months from 2024-01: 2026's months are 24...35.
            let month = CivilDate(dayNumber: day).monthIndex - CivilDate("2024-01-01")!.monthIndex
            bySlot[Int(partner) * 60 + month, default: 0] += amount
        }
        #expect(Ceiling.readPass(columns, threads: 2) == total)
        let table = Ceiling.scatterAdd(columns, partners: 7, threads: 2)
        #expect(table.count == 7 * 60)
        for (slot, v) in table.enumerated() { #expect(v == bySlot[slot] ?? 0, "slot \(slot)") }
    }
}
