/// A voucher's `Transaction`, written from its ``VoucherFrame`` straight into bytes: the one
/// implementation behind both ``SAFTJournalEncoder/encode(_:into:)`` (through
/// ``FrameEncoder/encodeThroughFrame(_:into:)``) and the pipeline's frame lane.
///
/// The rules are those of a `Transaction` as it has always been written (libxml2's `xmlTextWriter`
/// indentation and escaping, ``XMLText/clean(_:maxLength:)`` on every free text, the same
/// fallbacks); the tests keep the `Voucher`-based writer as the reference and compare bytes.
///
/// - Text is cleaned and cut on its bytes. Only an `AnalysisType` whose dimension name is not
///   ASCII goes through `String` (`uppercased()` is Unicode's), and only then are dimensions sorted
///   as `String`s (canonical order) rather than in the frame's UTF-8 byte order — the two agree
///   on ASCII.
/// - Currency conversion is ``ReportingCurrency/convert(_:)`` without its array: a first pass
///   converts every line and finds the residual's line, a second writes each line with its
///   amount converted again. A line in the reporting currency (byte-equal, or equal as `String`
///   when either is not ASCII) keeps its amount; a voucher that cannot be converted is written
///   without lines, as before. The frame lane passes only vouchers in the reporting currency
///   (``FrameLane`` declines the others, whose conversion ``Mapper``'s path words and sums).
/// - No allocation: only a currency not byte-equal to the reporting one (to compare it or look
///   its rate up as `String`) and a dimension name that is not ASCII make `String`s, so a voucher
///   of the lane is written without any.
extension SAFTJournalEncoder: FrameEncoder {
  /// Appends the frame's `Transaction` (at the journal's depth, no separator); `text` is the
  /// frame's ``VoucherFrame/text``.
  func encode(
    _ frame: borrowing VoucherFrame, text: UnsafeBufferPointer<UInt8>, into sink: inout ByteSink
  ) {
    let conversion = convert(frame, text: text)
    let id = text.slice(frame.id)
    sink.append("\n      <Transaction>\n        <TransactionID>")
    appendText(id, 70, to: &sink)
    sink.append("</TransactionID>\n        <Period>")
    sink.appendDecimal(frame.date.month)
    sink.append("</Period>\n        <PeriodYear>")
    sink.appendDecimal(frame.date.year)
    sink.append("</PeriodYear>\n        <TransactionDate>")
    sink.appendDate(frame.date)
    sink.append(
      "</TransactionDate>\n        <VoucherType>Vipps</VoucherType>\n        <VoucherDescription>Vipps MobilePay ledger "
    )
    XMLText.appendEscaped(text.slice(frame.ledgerID), to: &sink)
    sink.append("</VoucherDescription>\n        <Description>")
    appendText(text.slice(frame.description), 256, fallback: id, to: &sink)
    sink.append("</Description>\n        <SystemEntryDate>")
    sink.appendDate(options.createdOn)
    sink.append("</SystemEntryDate>\n        <GLPostingDate>")
    sink.appendDate(frame.date)
    sink.append("</GLPostingDate>")
    if !conversion.failed {
      for index in frame.lines.indices {
        let line = frame.lines[index]
        let rate = self.rate(for: line, text: text)
        let amount: Int64
        if index == conversion.residualLine {
          amount = conversion.residualAmount
        } else if case .converted(let exchangeRate) = rate {
          amount = exchangeRate.convert(line.amount) ?? 0
        } else {
          amount = line.amount
        }
        appendLine(frame, line, amount: amount, rate: rate, recordID: index + 1, text, &sink)
      }
    }
    sink.append("\n      </Transaction>")
  }

  /// One `Line`; `amount` is in the reporting currency.
  @inline(__always)
  private func appendLine(
    _ frame: borrowing VoucherFrame, _ line: VoucherFrame.Line, amount: Int64, rate: LineRate,
    recordID: Int, _ text: UnsafeBufferPointer<UInt8>, _ sink: inout ByteSink
  ) {
    sink.append("\n        <Line>\n          <RecordID>")
    sink.appendDecimal(recordID)
    sink.append("</RecordID>\n          <AccountID>")
    appendText(text.slice(line.account), 70, to: &sink)
    sink.append("</AccountID>")
    appendDimensions(frame, line.dimensions, text, &sink)
    if line.role != .home, !line.source.salesUnit.isAbsent {
      sink.append("\n          <Analysis>\n            <AnalysisType>SALGSSTED</AnalysisType>")
      appendAnalysisID(text.slice(line.source.salesUnit), &sink)
    }
    if line.source.reference.count > 0 {
      sink.append("\n          <SourceDocumentID>")
      appendText(text.slice(line.source.reference), 35, to: &sink)
      sink.append("</SourceDocumentID>")
    }
    sink.append("\n          <Description>")
    appendText(
      text.slice(line.description), 256, fallback: text.slice(line.source.entryType), to: &sink)
    let debit = amount >= 0
    sink.append(
      debit
        ? "</Description>\n          <DebitAmount>\n            <Amount>"
        : "</Description>\n          <CreditAmount>\n            <Amount>")
    sink.appendMagnitude(amount)
    sink.append("</Amount>")
    if case .converted(let exchangeRate) = rate {
      sink.append("\n            <CurrencyCode>")
      XMLText.appendEscaped(text.slice(line.currency), to: &sink)
      sink.append("</CurrencyCode>\n            <CurrencyAmount>")
      sink.appendMagnitude(line.amount)
      sink.append("</CurrencyAmount>\n            <ExchangeRate>")
      var description = exchangeRate.description
      description.withUTF8 { XMLText.appendEscaped($0, to: &sink) }
      sink.append("</ExchangeRate>")
    }
    sink.append(debit ? "\n          </DebitAmount>" : "\n          </CreditAmount>")
    if line.role == .vat, !line.vatCode.isAbsent {
      sink.append(
        "\n          <TaxInformation>\n            <TaxType>MVA</TaxType>\n            <TaxCode>")
      appendText(text.slice(line.vatCode), 70, to: &sink)
      sink.append("</TaxCode>\n            <TaxPercentage>")
      if line.vatRate < 0 { sink.append(UInt8(ascii: "-")) }
      sink.appendMagnitude(line.vatRate)
      sink.append("</TaxPercentage>\n            <Country>")
      countryText.withUnsafeBufferPointer { sink.append($0) }
      sink.append("</Country>\n            <TaxBase>")
      if case .converted(let exchangeRate) = rate {
        sink.appendMagnitude(exchangeRate.convert(line.vatBase) ?? 0)
      } else {
        sink.appendMagnitude(line.vatBase)
      }
      sink.append(
        debit
          ? "</TaxBase>\n            <DebitTaxAmount>\n              <Amount>"
          : "</TaxBase>\n            <CreditTaxAmount>\n              <Amount>")
      sink.appendMagnitude(amount)
      sink.append(
        debit
          ? "</Amount>\n            </DebitTaxAmount>\n          </TaxInformation>"
          : "</Amount>\n            </CreditTaxAmount>\n          </TaxInformation>")
    }
    if !line.source.pspReference.isAbsent {
      sink.append("\n          <ReferenceNumber>")
      appendText(text.slice(line.source.pspReference), 35, to: &sink)
      sink.append("</ReferenceNumber>")
    }
    sink.append("\n        </Line>")
  }

  /// One `Analysis` per dimension, sorted by name as `String`s sort.
  @inline(__always)
  private func appendDimensions(
    _ frame: borrowing VoucherFrame, _ range: Range<Int>, _ text: UnsafeBufferPointer<UInt8>,
    _ sink: inout ByteSink
  ) {
    guard !range.isEmpty else { return }
    var ascii = true
    for index in range where !text.slice(frame.dimensions[index].name).isASCII {
      ascii = false
      break
    }
    guard ascii else {
      // Canonical order, and Unicode's upper case: through `String`.
      let names = range.map {
        String(decoding: text.slice(frame.dimensions[$0].name), as: UTF8.self)
      }
      let order = names.indices.sorted { names[$0] < names[$1] }
      for offset in order {
        sink.append("\n          <Analysis>\n            <AnalysisType>")
        if !XMLText.appendCleaned(names[offset].uppercased(), maxLength: 9, to: &sink) {
          sink.append(UInt8(ascii: "-"))
        }
        sink.append("</AnalysisType>")
        appendAnalysisID(text.slice(frame.dimensions[range.lowerBound + offset].value), &sink)
      }
      return
    }
    for index in range {
      sink.append("\n          <Analysis>\n            <AnalysisType>")
      if !XMLText.appendCleaned(
        text.slice(frame.dimensions[index].name), maxLength: 9, uppercaseASCII: true, to: &sink)
      {
        sink.append(UInt8(ascii: "-"))
      }
      sink.append("</AnalysisType>")
      appendAnalysisID(text.slice(frame.dimensions[index].value), &sink)
    }
  }

  /// The rest of an `Analysis` after its type.
  @inline(__always)
  private func appendAnalysisID(_ value: UnsafeBufferPointer<UInt8>, _ sink: inout ByteSink) {
    sink.append("\n            <AnalysisID>")
    appendText(value, 256, to: &sink)
    sink.append("</AnalysisID>\n          </Analysis>")
  }

  /// Cleaned and cut `value`, or cleaned and cut `fallback` when nothing of it is left, or `-`.
  @inline(__always)
  private func appendText(
    _ value: UnsafeBufferPointer<UInt8>, _ length: Int,
    fallback: UnsafeBufferPointer<UInt8>? = nil, to sink: inout ByteSink
  ) {
    if XMLText.appendCleaned(value, maxLength: length, to: &sink) { return }
    if let fallback {
      _ = XMLText.appendCleaned(fallback, maxLength: length, to: &sink)
    } else {
      sink.append(UInt8(ascii: "-"))
    }
  }

  // MARK: Conversion

  /// How a line gets into the reporting currency.
  enum LineRate {
    /// It is in the reporting currency.
    case same
    case converted(ExchangeRate)
    /// The company has no rate for its currency.
    case missing
  }

  /// What ``ReportingCurrency/convert(_:)`` does to a frame, but the amounts: whether it fails,
  /// and which line takes the rounding residual with what amount.
  struct Conversion {
    var failed = false
    /// -1 when no line takes a residual.
    var residualLine = -1
    var residualAmount: Int64 = 0
  }

  /// How `line` is converted, as ``ReportingCurrency/convert(_:)`` decides (`String` equality
  /// of the currencies, then the company's rate for the line's).
  func rate(for line: VoucherFrame.Line, text: UnsafeBufferPointer<UInt8>) -> LineRate {
    let currency = text.slice(line.currency)
    if currency.elementsEqual(currencyBytes) { return .same }
    if !currencyIsASCII || !currency.isASCII {
      if String(decoding: currency, as: UTF8.self) == reporting.currency { return .same }
    }
    guard let rate = reporting.rates[String(decoding: currency, as: UTF8.self)] else {
      return .missing
    }
    return .converted(rate)
  }

  /// Converts every line as ``ReportingCurrency/convert(_:)`` does: fails where it throws, and puts
  /// the residual on the (first) largest non-home line, or the largest line when all are home.
  func convert(_ frame: borrowing VoucherFrame, text: UnsafeBufferPointer<UInt8>) -> Conversion {
    var total: Int128 = 0
    var largest = (index: -1, magnitude: Int128(-1), amount: Int64(0))
    var largestNonHome = largest
    for index in frame.lines.indices {
      let line = frame.lines[index]
      let amount: Int64
      switch rate(for: line, text: text) {
      case .same:
        amount = line.amount
      case .converted(let rate):
        guard let converted = rate.convert(line.amount) else { return Conversion(failed: true) }
        amount = converted
      case .missing:
        return Conversion(failed: true)
      }
      total += Int128(amount)
      let magnitude = Int128(amount.magnitude)
      if magnitude > largest.magnitude { largest = (index, magnitude, amount) }
      if line.role != .home, magnitude > largestNonHome.magnitude {
        largestNonHome = (index, magnitude, amount)
      }
    }
    guard total != 0 else { return Conversion() }
    let target = largestNonHome.index >= 0 ? largestNonHome : largest
    guard let adjusted = Int64(exactly: Int128(target.amount) - total) else {
      return Conversion(failed: true)
    }
    return Conversion(residualLine: target.index, residualAmount: adjusted)
  }
}
