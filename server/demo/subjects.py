"""What the photo of each indicator of the default instrument shows (``pictures.Subject``): the waiting room for
"Ruang tunggu tersedia", the poster for "Persyaratan terpampang", the queue-number machine for "Sistem nomor
antrean", the complaint box for the complaint channels. An indicator not listed gets a poster with its own name."""

from __future__ import annotations

from server.demo.pictures import Subject

SUBJECTS = {
    "A01": Subject("chairs", ""),
    "A02": Subject("door", "TOILET", ("person",)),
    "A03": Subject("counter", ""),
    "A04": Subject("floor", "AKSES KURSI RODA", ("ramp",)),
    "A05": Subject("floor", "KURSI RODA", ("wheelchair",)),
    "A06": Subject("floor", "JALUR PEMANDU", ("tactile",)),
    "A07": Subject("door", "TOILET DIFABEL", ("wheelchair",)),
    "A08": Subject("door", "RUANG LAKTASI", ("mother",)),
    "A09": Subject("chairs", "KURSI PRIORITAS"),
    "A10": Subject("floor", "RUANG BERMAIN ANAK", ("play",)),
    "A11": Subject("counter", "", ("staff", "khaki")),
    "A15": Subject("floor", "JALUR EVAKUASI", ("extinguisher",)),
    "B01": Subject(
        "poster",
        "PERSYARATAN",
        ("1. Fotokopi KTP elektronik", "2. Fotokopi Kartu Keluarga", "3. Surat pengantar RT/RW", "4. Pas foto 3x4"),
    ),
    "B02": Subject(
        "poster",
        "ALUR PELAYANAN",
        ("1. Ambil nomor antrean", "2. Serahkan berkas di loket", "3. Verifikasi petugas", "4. Ambil hasil layanan"),
    ),
    "B03": Subject("poster", "WAKTU PENYELESAIAN", ("KTP elektronik: 1 hari kerja", "Akta kelahiran: 3 hari kerja")),
    "B04": Subject("poster", "BIAYA / TARIF", ("Seluruh layanan GRATIS", "Perda No. 5 Tahun 2019")),
    "B05": Subject("poster", "PRODUK PELAYANAN", ("KTP elektronik", "Kartu Identitas Anak", "Akta kelahiran")),
    "B06": Subject("screen", "Standar Pelayanan", ("Persyaratan", "Prosedur", "Waktu: 1 hari kerja", "Biaya: gratis")),
    "B07": Subject(
        "poster", "MAKLUMAT PELAYANAN", ("Dengan ini kami menyatakan", "sanggup menyelenggarakan", "pelayanan")
    ),
    "B08": Subject(
        "poster", "MAKLUMAT", ("...sesuai standar pelayanan", "dan siap menerima sanksi", "apabila melanggar")
    ),
    "B09": Subject("screen", "Info Layanan", ("Brosur layanan", "Jadwal pelayanan", "Antrean online")),
    "B10": Subject("poster", "VISI DAN MISI", ("Visi: pelayanan prima", "Misi: cepat, tepat, ramah")),
    "B11": Subject("poster", "MOTO PELAYANAN", ("CEPAT - TEPAT - RAMAH",)),
    "B12": Subject("counter", "PELAYANAN TERPADU"),
    "B13": Subject("poster", "SERTIFIKAT", ("ISO 9001:2015", "Sistem Manajemen Mutu", "Berlaku s.d. 2024")),
    "B14": Subject("poster", "HASIL SURVEI KEPUASAN", ("Indeks Kepuasan Masyarakat", "Nilai: 82,4 (Baik)")),
    "B15": Subject("machine", "PENILAIAN LAYANAN", ("kiosk",)),
    "B16": Subject("poster", "JAM PELAYANAN", ("Senin - Kamis 08.00 - 15.30", "Jumat 08.00 - 11.00")),
    "B17": Subject("machine", "AMBIL NOMOR ANTREAN"),
    "C05": Subject("counter", "", ("staff",)),
    "D01": Subject("machine", "LAPOR!", ("box",)),
    "D02": Subject(
        "poster", "TATA CARA PENGADUAN", ("1. Isi formulir pengaduan", "2. Masukkan ke kotak", "3. SP4N-LAPOR!")
    ),
    "D03": Subject("poster", "PETUGAS PENGADUAN", ("Nama: petugas pengelola", "Telp/WA: 0812-0000-0000")),
    "D04": Subject("counter", "MEJA PENGADUAN"),
    "D05": Subject("chat", "Pengaduan", ("Selamat pagi, syaratnya apa?", "Silakan bawa KTP dan KK", "Terima kasih")),
    "D06": Subject("poster", "REKAP PENGADUAN", ("Januari: 4 selesai", "Februari: 2 selesai", "Maret: 5 selesai")),
}


def subject_of(indicator_id: str) -> Subject:
    return SUBJECTS.get(indicator_id) or Subject("poster", indicator_id)
