import CLibXML2

/// Writes XML through libxml2's streaming writer (`xmlTextWriter`) into a memory buffer whose bytes
/// are taken out in chunks, so a document of any size is produced piece by piece.
///
/// Indentation is done here (two spaces per level, starting at `baseDepth`), so fragments written
/// by separate writers line up inside one document. Text is XML-escaped by libxml2; control
/// characters are removed before (``XMLText/clean(_:maxLength:)``).
final class XMLFragmentWriter {
  private let buffer: xmlBufferPtr
  private let writer: xmlTextWriterPtr
  private var depth: Int
  /// Per open element: whether it has child elements (its end tag then goes on its own line).
  private var hasChildren: [Bool] = []
  private let indentUnit = 2
  /// The next start tag is the document's root: no line break before it (the declaration ends
  /// with one).
  private var atDocumentStart = false

  /// Creates a writer whose first element is indented `baseDepth` levels.
  init(baseDepth: Int = 0) {
    LibXML.initialize()
    buffer = xmlBufferCreate()
    writer = xmlNewTextWriterMemory(buffer, 0)
    depth = baseDepth
  }

  deinit {
    xmlFreeTextWriter(writer)
    xmlBufferFree(buffer)
  }

  /// Writes the XML declaration (`<?xml version="1.0" encoding="UTF-8"?>`).
  func startDocument() {
    xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil)
    atDocumentStart = true
  }

  /// Opens `name` on a new line, with an optional default namespace.
  func start(_ name: String, namespace: String? = nil) {
    if atDocumentStart {
      atDocumentStart = false
    } else {
      newline()
    }
    if !hasChildren.isEmpty { hasChildren[hasChildren.count - 1] = true }
    if let namespace {
      xmlTextWriterStartElementNS(writer, nil, name, namespace)
    } else {
      xmlTextWriterStartElement(writer, name)
    }
    hasChildren.append(false)
    depth += 1
  }

  /// Closes the innermost open element.
  func end() {
    depth -= 1
    if hasChildren.popLast() == true { newline() }
    xmlTextWriterEndElement(writer)
  }

  /// Writes `<name>text</name>` on its own line; `text` is escaped by libxml2.
  func element(_ name: String, _ text: String) {
    newline()
    if !hasChildren.isEmpty { hasChildren[hasChildren.count - 1] = true }
    xmlTextWriterWriteElement(writer, name, text)
  }

  /// Removes and returns everything written so far.
  func take() -> [UInt8] {
    xmlTextWriterFlush(writer)
    let count = Int(xmlBufferLength(buffer))
    guard count > 0, let content = xmlBufferContent(buffer) else { return [] }
    let bytes = Array(UnsafeBufferPointer(start: content, count: count))
    xmlBufferEmpty(buffer)
    return bytes
  }

  private func newline() {
    let level = depth * indentUnit
    if level < Self.indents.count {
      _ = Self.indents[level].withUnsafeBufferPointer {
        xmlTextWriterWriteRaw(writer, $0.baseAddress)
      }
    } else {
      xmlTextWriterWriteRaw(writer, "\n" + String(repeating: " ", count: level))
    }
  }

  /// A newline and `n` spaces, NUL-terminated, for `n` below 64.
  private static let indents: [[UInt8]] = (0..<64).map { count in
    [UInt8(ascii: "\n")] + Array(repeating: UInt8(ascii: " "), count: count) + [0]
  }
}

/// Text rules of SAF-T: lengths in characters, no control characters.
enum XMLText {
  /// Whether ``clean(_:maxLength:)`` returns `text` unchanged: no character it drops, no space
  /// at either end or twice in a row, at most `maxLength` scalars. Decided on the bytes.
  private static func isClean(_ text: String, maxLength: Int) -> Bool {
    var text = text
    return text.withUTF8 { bytes in
      var scalars = 0
      var previous: UInt8 = 0x20  // a leading space is not clean
      for index in bytes.indices {
        let byte = bytes[index]
        switch byte {
        case 0x20:
          if previous == 0x20 { return false }
        case 0x21...0x7E, 0x80...0xBF:
          break
        case 0xC2:
          // U+0080…U+009F (C1 controls) are dropped.
          if index + 1 < bytes.count, bytes[index + 1] <= 0x9F { return false }
        case 0xEF:
          // U+FFFE and U+FFFF are dropped.
          if index + 2 < bytes.count, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
            return false
          }
        case 0xC3...0xEE, 0xF0...0xF4:
          break
        default:
          return false  // controls, DEL, bytes that are never UTF-8
        }
        if byte & 0xC0 != 0x80 { scalars += 1 }
        previous = byte
      }
      return previous != 0x20 && scalars <= maxLength
    }
  }

  /// `text` without control characters (line breaks and tabs become spaces, others are dropped),
  /// trimmed, and cut to `maxLength` Unicode scalars (so no UTF-8 sequence is ever split).
  static func clean(_ text: String, maxLength: Int) -> String {
    isClean(text, maxLength: maxLength) ? text : cleanScalars(text, maxLength: maxLength)
  }

  /// ``clean(_:maxLength:)`` scalar by scalar (what the fast check must agree with).
  static func cleanScalars(_ text: String, maxLength: Int) -> String {
    var scalars = String.UnicodeScalarView()
    var count = 0
    var pendingSpace = false
    for scalar in text.unicodeScalars {
      let value = scalar.value
      let isSpace = value == 0x20 || value == 0x09 || value == 0x0A || value == 0x0D
      if isSpace {
        pendingSpace = count > 0
        continue
      }
      if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0xFFFE || value == 0xFFFF {
        continue
      }
      if pendingSpace {
        guard count < maxLength else { break }
        scalars.append(" ")
        count += 1
        pendingSpace = false
      }
      guard count < maxLength else { break }
      scalars.append(scalar)
      count += 1
    }
    return String(scalars)
  }
}
