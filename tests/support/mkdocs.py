#!/usr/bin/python3
"""Writes the documents the extraction tests read, into DIR:

    tests/support/mkdocs.py DIR [--big-pdf MB]

Real files of every format (txt in UTF-8 and Windows-1252, md, csv, pdf,
docx) plus the bad ones: a password-protected PDF (qpdf, AES-256), an
encrypted Office package (a Compound File holding EncryptionInfo and
EncryptedPackage streams, as Word writes one), a truncated PDF, a ZIP that
is no Word document, a PDF made of images only (no text), and files whose
bytes lie about their type. --big-pdf writes big.pdf of about MB megabytes
instead (for make bench). Everything is made here from text, with no
third-party files.
"""
import os
import struct
import subprocess
import sys
import zipfile

TEXT = [
    "Política de trocas da Loja Exemplo",
    "Aceitamos trocas em até 30 dias após a entrega, com a nota fiscal. "
    "Produtos com defeito são trocados sem custo de frete.",
    "Entregas em São Paulo saem no mesmo dia para pedidos feitos até as 14h. "
    "Não entregamos aos domingos.",
    "Formas de pagamento: cartão de crédito em até 10 vezes sem juros, Pix com 5% de desconto "
    "e boleto bancário.",
]


def pdf_escape(s):
    b = s.encode("cp1252")
    return b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def wrap(par, width=90):
    words, lines, cur = par.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    if cur:
        lines.append(cur)
    return lines


def make_pdf(paragraphs, lines_per_page=60):
    """A PDF with Helvetica in WinAnsiEncoding (so accents survive), one
    line per text-show, a blank line between paragraphs."""
    lines = []
    for p in paragraphs:
        lines.extend(wrap(p))
        lines.append("")
    pages = [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)] or [[]]
    objs = {}
    n_pages = len(pages)
    font_id = 3
    first_page = 4
    kids = []
    for i, pl in enumerate(pages):
        page_id = first_page + 2 * i
        content_id = page_id + 1
        kids.append(f"{page_id} 0 R")
        body = b"BT /F1 11 Tf 14 TL 50 800 Td\n"
        for ln in pl:
            body += b"(" + pdf_escape(ln) + b") Tj T*\n" if ln else b"T*\n"
        body += b"ET\n"
        objs[page_id] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                         f"/Resources << /Font << /F1 {font_id} 0 R >> >> "
                         f"/Contents {content_id} 0 R >>").encode()
        objs[content_id] = b"<< /Length %d >>\nstream\n" % len(body) + body + b"endstream"
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {n_pages} >>".encode()
    objs[font_id] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for k in sorted(objs):
        offsets[k] = len(out)
        out += b"%d 0 obj\n" % k + objs[k] + b"\nendobj\n"
    xref = len(out)
    size = max(objs) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for k in range(1, size):
        out += b"%010d 00000 n \n" % offsets[k]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def make_image_pdf():
    """One page that only draws a rectangle: a scanned page has no text either."""
    body = b"0.5 g 50 50 495 742 re f\n"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(body) + body + b"endstream"]
    out = bytearray(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x
    return bytes(out)


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_docx(paragraphs):
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = ""
    for i, p in enumerate(paragraphs):
        # Split each paragraph into two runs, as Word does around formatting.
        half = len(p) // 2
        body += (f'<w:p><w:r><w:t xml:space="preserve">{xml_escape(p[:half])}</w:t></w:r>'
                 f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{xml_escape(p[half:])}</w:t></w:r></w:p>')
    body += '<w:p/><w:tbl><w:tr><w:tc><w:p><w:r><w:t>Prazo</w:t></w:r></w:p></w:tc>' \
            '<w:tc><w:p><w:r><w:t>30 dias</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
    doc = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>')
    return zip_bytes({
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels":
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": doc,
    })


def zip_bytes(files):
    import io
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return bio.getvalue()


def make_encrypted_office():
    """A Compound File (MS-CFB v3, 512-byte sectors) with the two streams of
    an encrypted OOXML package (MS-OFFCRYPTO 2.3.4.15): what Word saves
    when a .docx gets a password. Stream contents are random: nobody
    decrypts them here, the tests check we recognise the container."""
    END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    info = os.urandom(4096)
    package = os.urandom(4096)
    fat = [FATSECT, END] + [3, 4, 5, 6, 7, 8, 9, END] + [11, 12, 13, 14, 15, 16, 17, END]
    fat += [FREE] * (128 - len(fat))
    header = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", FREE) * 108

    def entry(name, typ, left, right, child, start, size):
        n = (name + "\0").encode("utf-16-le") if name else b""
        return (n.ljust(64, b"\0") + struct.pack("<HBB", len(n), typ, 1) +
                struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 +
                struct.pack("<IQ", start, size))
    dir_ = (entry("Root Entry", 5, NOSTREAM, NOSTREAM, 1, END, 0) +
            entry("EncryptionInfo", 2, NOSTREAM, 2, NOSTREAM, 2, len(info)) +
            entry("EncryptedPackage", 2, NOSTREAM, NOSTREAM, NOSTREAM, 10, len(package)) +
            entry("", 0, NOSTREAM, NOSTREAM, NOSTREAM, 0, 0))
    assert len(header) == 512 and len(dir_) == 512
    return header + struct.pack("<128I", *fat) + dir_ + info + package


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    def write(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())

    if len(sys.argv) > 3 and sys.argv[2] == "--big-pdf":
        target = int(sys.argv[3]) * 1024 * 1024
        paras, i = [], 0
        while sum(len(p) for p in paras) * 1.25 < target:
            paras.append(f"Seção {i}. " + " ".join(TEXT[1:]) + f" Referência {i}.")
            i += 1
        write("big.pdf", make_pdf(paras))
        return

    text = "\n\n".join(TEXT) + "\n"
    write("sample.txt", text)
    write("sample_cp1252.txt", text.replace("\n", "\r\n").encode("cp1252"))
    write("sample.md", "# " + TEXT[0] + "\n\n" + "\n\n".join("- " + t for t in TEXT[1:]) + "\n")
    write("sample.csv", "pergunta;resposta\r\n" + "".join(
        f'"{t.split(".")[0]}";"{t}"\r\n' for t in TEXT))
    write("sample.pdf", make_pdf(TEXT))
    write("sample.docx", make_docx(TEXT))
    write("scanned.pdf", make_image_pdf())
    write("truncated.pdf", make_pdf(TEXT)[:300])
    write("not_word.docx", zip_bytes({"hello.txt": "olá"}))
    write("encrypted.docx", make_encrypted_office())
    write("lying_text.pdf", text)
    write("lying_pdf.txt", make_pdf(TEXT))
    write("empty.txt", "\n\n  \t\n")
    subprocess.run(["qpdf", "--encrypt", "segredo", "dono", "256", "--",
                    os.path.join(out, "sample.pdf"), os.path.join(out, "encrypted.pdf")],
                   check=True)


if __name__ == "__main__":
    main()
