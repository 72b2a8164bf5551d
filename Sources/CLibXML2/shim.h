// The parts of the system libxml2 that vipps-ledger uses: the streaming writer for SAF-T output,
// the streaming reader and XML Schema validation for `vipps-ledger validate`.
#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU; its headers would then pull in the system ICU headers,
// which clash with the ICU copy inside Foundation. Nothing here uses the ICU-specific fields
// (xmlCharEncodingHandler's converters), so hide them.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlwriter.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
