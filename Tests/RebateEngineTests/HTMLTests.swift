import Foundation
import Testing

@testable import RebateEngine

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Checks well-formedness with an XML parser, and collects every `<svg>`'s attributes and child titles.
final class XHTMLChecker: NSObject, XMLParserDelegate {
    var svgs: [[String: String]] = []
    var svgTitles = 0
    var depthInSVG = 0
    var text = ""

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == "svg" {
            svgs.append(attributes)
            depthInSVG = 0
        }
        if name == "title", depthInSVG == 1 { svgTitles += 1 }
        if !svgs.isEmpty, depthInSVG >= 0 { depthInSVG += 1 }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if depthInSVG > 0 { depthInSVG -= 1 }
        if name == "svg" { depthInSVG = -1 }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    static func check(_ html: String) -> XHTMLChecker? {
        // The DOCTYPE line is HTML5's; the rest must be well-formed XML.
        let body = html.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? html
        let parser = XMLParser(data: Data(body.utf8))
        let checker = XHTMLChecker()
        checker.depthInSVG = -1
        parser.delegate = checker
        return parser.parse() ? checker : nil
    }
}

@Suite struct HTMLTests {
    func sample(asOf: String? = nil) throws -> (LoadedDataset, AccrualReport) {
        let loaded = try DatasetLoader.load(folder: SampleTests.folder)
        return (
            loaded,
            try AccrualEngine.run(
                loaded.dataset, options: AccrualOptions(asOf: asOf.map { CivilDate($0)! }, threads: 2))
        )
    }

    @Test func reportIsWellFormedAccessibleAndAgreesWithTheCSV() throws {
        let (loaded, report) = try sample()
        let html = report.html(loaded: loaded)
        let checker = try #require(XHTMLChecker.check(html), "report.html is not well-formed")
        #expect(checker.svgs.count == 2)
        for svg in checker.svgs { #expect(svg["viewBox"] != nil) }
        #expect(checker.svgTitles == checker.svgs.count)
        // Totals as in settlements.csv and summary: 255.70 settled; lines 23 read.
        #expect(checker.text.contains("255.70\u{00A0}EUR"))
        #expect(checker.text.contains("Lines read23"))
        // The anomalies with what triggered them, and no script or external resource.
        #expect(checker.text.contains("tier_gaming"))
        #expect(checker.text.contains("basis 600.00 in the last 7 days lifted tier 1 to 2"))
        #expect(!html.contains("<script"))
        #expect(
            html.components(separatedBy: "http").count - 1 == html.components(separatedBy: "xmlns=\"http://www.w3.org/")
                .count - 1)
        #expect(!html.contains("src=") && !html.contains("href="))
        // The June posting of UPS-G01 (3.00) is among June's biggest movements.
        #expect(checker.text.contains("2026-06UPS-G01-2026upsellG013.00\u{00A0}EUR"))
        // Thousands separators: the accepted amount 14,454.00 (11654 + 600 - 500 - 199 + ... as summed in summary.json).
        let summaryAmount = HTMLText.grouped(loaded.totals.acceptedAmount.text(decimals: 2))
        #expect(summaryAmount.contains(","))
        #expect(checker.text.contains(summaryAmount))
    }

    @Test func statementShowsHowMuchMoreToBuy() throws {
        let (loaded, report) = try sample(asOf: "2026-03-15")
        let html = try #require(PartnerStatement.html(report, loaded: loaded, beneficiary: "P001"))
        let checker = try #require(XHTMLChecker.check(html))
        // statements.csv: VOL-P001 as of 2026-03-15 has 950.00, next tier 1000.00, 50.00 to go.
        let row = try #require(report.statements.first { $0.agreementID == "VOL-P001-2026" })
        #expect(row.toNextTier == Volume(Money(minorUnits: 5000)))
        #expect(checker.text.contains("50.00\u{00A0}EUR still to buy"))
        #expect(html.contains("aria-valuenow=\"95\"")) // 950 of the way from 0 to 1000
        #expect(checker.text.contains("XS-P001-2026"))
        #expect(!checker.text.contains("FIX-P004-2026"))
        // A group member sees its group's agreement.
        let member = try #require(PartnerStatement.html(report, loaded: loaded, beneficiary: "P002"))
        #expect(member.contains("UPS-G01-2026"))
        #expect(PartnerStatement.html(report, loaded: loaded, beneficiary: "NOBODY") == nil)
    }

    @Test func reasonsAreGroupedWithoutTheirValues() {
        #expect(
            AccrualReport.reasonClass("date: \"2026-13-01\" is not a date YYYY-MM-DD in 1900...2999")
                == "date: … is not a date YYYY-MM-DD in 1900...2999")
        #expect(AccrualReport.reasonClass(" line_id: duplicate of line 17") == "line_id: duplicate of line …")
    }
}
