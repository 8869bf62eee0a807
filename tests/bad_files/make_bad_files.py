"""Write the files of this folder: the mistakes a trainer's own files really contain.

Run once (``python tests/bad_files/make_bad_files.py``); the files are committed.
Each file is described in README.md with the problems the loader must report.
Phones use the course's fictional range, e-mails example.org.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NB = "\u00a0"

FR_HEADER = ["Code du service", "Prestataire", "Catégorie", "Type de prestataire", "Région", "Ville",
             "Latitude", "Longitude", "Âge minimum", "Âge maximum", "Public accueilli", "Langues parlées",
             "Documents exigés", "Public prioritaire", "Capacité mensuelle", "Charge actuelle", "Coût",
             "Tarif (MAD)", "Délai d'attente (jours)", "Accessibilité", "Personne de contact", "Téléphone",
             "Courriel", "Dernière vérification"]

FR_ROWS = [
    ["SRV-01", "Association Tafat pour l'insertion", "Placement en emploi", "ONG", "L'Oriental", "Oujda",
     "34,6814", "-1,9086", "18", "35", "Tout public", "Darija, Arabe, Français", "CNIE", "", "25", "18",
     "Gratuit", "0", "7", "Accès en fauteuil roulant", "Salma Bennani", "+212 5 00 01 23 45",
     "tafat.oujda@example.org", "12/03/2026"],
    ["SRV-02", "Centre de santé Annour", "Soins de santé", "Public", "Oriental", "Nador",
     "35,1681", "-2,9335", "0", "99", "Tout public", "Darija; Tamazight; Arabe", "CNIE", "", f"1{NB}200",
     "950", "Gratuit", "0", "10", "Accès en fauteuil roulant; Personnel féminin disponible",
     "Karim Ouali", "+212 5 00 01 23 46", "annour.nador@example.org", "05/01/2026"],
    ["SRV-03", "Association Cœur Ouvert – écoute et soutien", "Santé mentale et soutien psychosocial",
     "ONG ou association", "Oriental", "Berkane", "34,92", "-2,32", "18", "99", "Femmes uniquement",
     "Darija, Français", "", "Détresse psychologique", "12", "12", "Gratuit", "0", "21",
     "Par téléphone ou en ligne", "Hanane Chakir", "+212 5 00 01 23 47", "coeur.ouvert@example.org",
     "28/02/2026"],
    ["SRV-04", "Institut privé Atlas Formation", "Formation professionnelle", "Privé", "Oriental", "Oujda",
     "34,6790", "-1,9200", "16", "40", "Tout public", "Darija, Arabe, Français", "CNIE, Diplôme", "", "20",
     "15", "Payant", "1500", "3", "", "Youssef Amzil", "+212 5 00 01 23 48", "atlas.formation@example.org",
     "15/03/2026"],
    ["SRV-05", "Bureau d'état civil et d'orientation", "Documents d'état civil et aide juridique", "Public",
     "Oriental", "Taourirt", "34,4073", "-2,8973", "18", "99", "Tout public", "Darija, Arabe", "", "", "40",
     "22", "Gratuit", "0", "5", "", "Nadia Essaidi", "+212 5 00 01 23 49", "etatcivil.taourirt@example.org",
     "02/04/2026"],
]


def write_csv(name: str, header: list[str], rows: list[list[str]], sep: str = ";", encoding: str = "utf-8",
              newline: str = "\r\n", bom: bool = False, trailing: str = "") -> None:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    text = buffer.getvalue()
    if trailing:
        text = text.replace(newline, trailing + newline)
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    (HERE / name).write_bytes(data)


def replace_cell(rows, row_index, column, value):
    rows = [list(r) for r in rows]
    rows[row_index][FR_HEADER.index(column)] = value
    return rows


def main() -> None:
    # 1. VALID: a French Excel "CSV (séparateur : point-virgule)" export: Windows-1252, CRLF,
    #    decimal commas, French headers and labels, dd/mm/yyyy dates, trailing empty cells.
    write_csv("services_fr_excel_export.csv", FR_HEADER, FR_ROWS, encoding="cp1252", trailing=";;")

    # 2. VALID: an English export, UTF-8 with BOM, comma-separated, quoted names with commas.
    en_header = ["Service ID", "Provider", "Category", "Provider type", "Region", "Town", "Latitude",
                 "Longitude", "Minimum age", "Maximum age", "Open to", "Languages spoken",
                 "Documents required", "Capacity per month", "Current load", "Cost", "Fee (MAD)",
                 "Waiting time (days)", "Contact person", "Phone", "E-mail", "Last verified"]
    en_rows = [
        ["A1", "Rihla Microfinance, Agadir branch", "Financial services and microfinance", "Private",
         "Souss-Massa", "Agadir", "30.4210", "-9.5830", "18", "65", "Anyone", "Darija; Tamazight; French",
         "National electronic ID card (CNIE)", "30", "22", "Fee charged", "100", "4", "Omar Bouzid",
         "+212 5 00 02 11 11", "rihla.agadir@example.org", "2026-03-01"],
        ["A2", "Espace public pour l'emploi, Inezgane", "Job placement", "Public service", "MA-09",
         "Inezgane", "30.3550", "-9.5380", "18", "99", "Anyone", "Darija; Arabic; Tamazight", "",
         "45", "30", "Free of charge", "0", "6", "Imane Ait Ali", "+212 5 00 02 11 12",
         "emploi.inezgane@example.org", "2026-02-14"],
    ]
    write_csv("services_en_utf8_bom.csv", en_header, en_rows, sep=",", newline="\n", bom=True)

    # 3. VALID: Excel "Unicode text" export: UTF-16 with BOM, tab-separated.
    buffer = io.StringIO()
    for row in [FR_HEADER, *FR_ROWS[:2]]:
        buffer.write("\t".join(row) + "\r\n")
    (HERE / "services_unicode_text.txt").write_bytes(buffer.getvalue().encode("utf-16"))

    # 4. A required column left out (Catégorie).
    k = FR_HEADER.index("Catégorie")
    write_csv("services_missing_column.csv", FR_HEADER[:k] + FR_HEADER[k + 1:],
              [r[:k] + r[k + 1:] for r in FR_ROWS[:3]])

    # 5. Categories the course does not know: a typo, a category of the trainer's own, an unknown language.
    rows = replace_cell(FR_ROWS[:4], 1, "Catégorie", "Formation pro")
    rows = replace_cell(rows, 2, "Catégorie", "Sport et loisirs")
    rows = replace_cell(rows, 3, "Langues parlées", "Darija, Chinois")
    write_csv("services_unknown_category.csv", FR_HEADER, rows)

    # 6. Numbers written with words or units, and a latitude in degrees-minutes.
    rows = replace_cell(FR_ROWS, 0, "Capacité mensuelle", "douze")
    rows = replace_cell(rows, 1, "Délai d'attente (jours)", "12 km")
    rows = replace_cell(rows, 2, "Tarif (MAD)", "200 DH")
    rows = replace_cell(rows, 3, "Latitude", "34°41'N")
    write_csv("services_bad_numbers.csv", FR_HEADER, rows)

    # 7. Duplicate identifiers: a row copied and pasted, and an id with a trailing space.
    rows = [list(r) for r in FR_ROWS] + [list(FR_ROWS[1])]
    rows[3][0] = "SRV-01 "
    write_csv("services_duplicate_ids.csv", FR_HEADER, rows)

    # 8. Coordinates outside Morocco: swapped, minus sign lost, a point in Spain, 0;0.
    rows = replace_cell(FR_ROWS, 0, "Latitude", "-1,9086")
    rows = replace_cell(rows, 0, "Longitude", "34,6814")
    rows = replace_cell(rows, 1, "Longitude", "2,9335")
    rows = replace_cell(rows, 2, "Latitude", "40,4168")
    rows = replace_cell(rows, 2, "Longitude", "-3,7038")
    rows = replace_cell(rows, 3, "Latitude", "0")
    rows = replace_cell(rows, 3, "Longitude", "0")
    write_csv("services_coordinates_outside.csv", FR_HEADER, rows)

    # 9. Empty file, and a file with the header only.
    (HERE / "services_empty.csv").write_bytes(b"")
    write_csv("services_header_only.csv", FR_HEADER, [])

    # 10. Not a table at all: a PDF and a Word document renamed .csv, an old .xls.
    (HERE / "services_pdf_renamed.csv").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Liste des services</w:t></w:r></w:p></w:body></w:document>')
    (HERE / "services_word_renamed.csv").write_bytes(docx.getvalue())
    (HERE / "services_old_excel.xls").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 512)

    # 11. A row with an unquoted comma in a comma-separated file.
    text = ("service_id,provider_name,category,town,lat,lon\n"
            "S1,Association Al Amal,job_placement,Fès,34.0331,-5.0003\n"
            "S2,Association Nour, section Fès,health,Fès,34.0400,-4.9900\n")
    (HERE / "services_ragged.csv").write_bytes(text.encode("utf-8"))

    # 12. VALID workbook with French headers under a title row; numbers and dates as Excel values.
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Services"
    ws.append(["Répertoire des services – Oriental (mise à jour mars 2026)"])
    ws.append([])
    ws.append(FR_HEADER)
    for row in FR_ROWS:
        values = []
        for name, value in zip(FR_HEADER, row):
            if name in ("Latitude", "Longitude"):
                values.append(float(value.replace(",", ".")))
            elif name in ("Âge minimum", "Âge maximum", "Charge actuelle", "Tarif (MAD)",
                          "Délai d'attente (jours)"):
                values.append(int(value))
            elif name == "Capacité mensuelle":
                values.append(int(value.replace(NB, "")))
            elif name == "Dernière vérification":
                d, m, y = (int(x) for x in value.split("/"))
                values.append(dt.datetime(y, m, d))
            else:
                values.append(value)
        ws.append(values)
    notes = book.create_sheet("Notes")
    notes.append(["Source : cartographie des services, réunion du 12 mars 2026"])
    book.save(HERE / "services_fr_headers.xlsx")

    # 13. A workbook with mistakes, to check Excel row numbers (header in row 1).
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(FR_HEADER)
    for i, row in enumerate(FR_ROWS):
        row = list(row)
        if i == 1:
            row[FR_HEADER.index("Catégorie")] = ""  # row 3: empty category
        if i == 3:
            row[FR_HEADER.index("Âge minimum")] = "45"  # row 5: min age above max age (40)
        ws.append(row)
    book.save(HERE / "services_errors.xlsx")

    # 14. VALID caseload from a French export: no coordinates (the towns are known), F/H, Oui/Non.
    case_header = ["N° dossier", "Prénom", "Nom", "Sexe", "Âge", "Ville", "Région", "Pays de retour",
                   "Date de retour", "Langues", "Documents détenus", "Vulnérabilités", "Dette (MAD)",
                   "Bénéficie de l'aide à la réintégration"]
    case_rows = [
        ["2025-001", "Khadija", "El Amrani", "F", "34", "Béni Mellal", "Béni Mellal-Khénifra", "Italie",
         "15/02/2025", "Darija, Arabe, Italien", "CNIE, Extrait d'acte de naissance", "Parent isolé",
         f"12{NB}000", "Oui"],
        ["2025-002", "Hamza", "Ouhaddou", "H", "27", "Tinghir", "Drâa-Tafilalet", "Libye", "03/03/2025",
         "Tamazight, Darija", "", "Détresse psychologique", "25000", "Oui"],
        ["2025-003", "Youssef", "Benali", "H", "41", "Fquih Ben Salah", "", "Espagne", "20/04/2025",
         "Darija, Espagnol", "CNIE; Passeport", "", "0", "Non"],
    ]
    write_csv("cases_fr_export.csv", case_header, case_rows, encoding="cp1252")

    # 15. A caseload with mistakes.
    bad_cases = [list(r) for r in case_rows]
    bad_cases[0][3] = "X"  # row 2: unknown sex
    bad_cases[1][4] = "trente ans"  # row 3: age in words
    bad_cases[2][0] = "2025-001"  # row 4: duplicate case number
    bad_cases[2][7] = "Lybie"  # row 4: misspelt country
    bad_cases.append(["2025-004", "Fatima", "Zeroual", "F", "52", "Douar Ait Ighil", "", "France",
                      "01/05/2025", "Tamazight", "", "", "0", "Oui"])  # row 5: unknown town, no coordinates
    write_csv("cases_with_mistakes.csv", case_header, bad_cases, encoding="cp1252")
    misread_files()


def misread_files() -> None:
    """Files whose data used to be silently misread (each names the row the loader must report)."""
    # UTF-8, with one byte of Windows-1252 pasted into a name (row 4): the other accents stay right.
    rows = replace_cell(FR_ROWS, 1, "Ville", "Béni Mellal")
    rows = replace_cell(rows, 1, "Région", "Béni Mellal-Khénifra")
    rows = replace_cell(rows, 1, "Latitude", "32,3373")
    rows = replace_cell(rows, 1, "Longitude", "-6,3498")
    write_csv("services_utf8_one_bad_byte.csv", FR_HEADER, rows)
    data = (HERE / "services_utf8_one_bad_byte.csv").read_bytes().replace("Bureau d'état civil".encode("utf-8"), "Bureau d'".encode() + b"\xe9tat civil")
    (HERE / "services_utf8_one_bad_byte.csv").write_bytes(data)
    # Thousands or decimals? "1,000" places (row 2) and a fee of "1.000" MAD (row 5): both readings
    # are valid, so the loader asks. "1,500" places (row 3) can only be 1500 (a note).
    rows = replace_cell(FR_ROWS, 0, "Capacité mensuelle", "1,000")
    rows = replace_cell(rows, 1, "Capacité mensuelle", "1,500")
    rows = replace_cell(rows, 3, "Tarif (MAD)", "1.000")
    write_csv("services_ambiguous_separators.csv", FR_HEADER, rows)
    # A row cut short after 4 cells (row 4), as when a line break inside a cell splits a row.
    write_csv("services_short_row.csv", FR_HEADER, FR_ROWS)
    lines = (HERE / "services_short_row.csv").read_bytes().split(b"\r\n")
    lines[3] = ";".join(FR_ROWS[2][:4]).encode("utf-8")
    (HERE / "services_short_row.csv").write_bytes(b"\r\n".join(lines))
    # Regions written freely: "Oriental region" and « Région Fès-Meknès » are read (with a note);
    # "Marakech Safi" gets a suggestion (row 4).
    rows = replace_cell(FR_ROWS, 0, "Région", "Oriental region")
    rows = replace_cell(rows, 1, "Région", "Région Fès-Meknès")
    rows = replace_cell(rows, 2, "Région", "Marakech Safi")
    write_csv("services_region_variants.csv", FR_HEADER, rows)
    # Real-looking personal data: a gmail address (row 3) and a mobile number (row 5).
    rows = replace_cell(FR_ROWS, 1, "Courriel", "karim.ouali@gmail.com")
    rows = replace_cell(rows, 3, "Téléphone", "+212 6 61 23 45 67")
    write_csv("services_real_personal_data.csv", FR_HEADER, rows)
    # An .xlsx written by a program: formulas with no saved value (rows 3 and 4).
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(FR_HEADER)
    for row in FR_ROWS:
        ws.append([_excel_value(v) for v in row])
    ws.cell(row=3, column=FR_HEADER.index("Capacité mensuelle") + 1, value="=10*2")
    ws.cell(row=4, column=FR_HEADER.index("Délai d'attente (jours)") + 1, value="=O4/2")
    book.save(HERE / "services_formula_no_value.xlsx")


def _excel_value(text: str):
    try:
        return float(text.replace(",", ".")) if any(c.isdigit() for c in text) and "/" not in text \
            and " " not in text.strip() and not text.startswith(("+", "SRV")) else text
    except ValueError:
        return text


if __name__ == "__main__":
    main()
