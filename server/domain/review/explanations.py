"""Plain-language explanations of integrity flags for reviewers, in Bahasa Indonesia and English.

A flag's ``detail`` says what was measured on this visit ("Nearest position 840 m from the unit …"); the explanation
says what the flag means in general and what a reviewer should look at before deciding. Flags are hints, never
verdicts: each text says how an honest visit can raise it too, so a supervisor does not reject on a flag alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    id: str
    """Bahasa Indonesia."""
    en: str


EXPLANATIONS: dict[str, Explanation] = {
    "geo.outside": Explanation(
        id="Tidak ada satu pun posisi ponsel yang berada di dalam radius (geofence) unit, bahkan setelah "
        "memperhitungkan akurasinya. Petugas mungkin tidak berada di unit. Periksa peta posisi dan foto "
        "tampak depan unit; koordinat unit yang salah di data induk juga bisa menimbulkan tanda ini.",
        en="None of the phone's positions lies within the unit's geofence, even allowing for their accuracy. The "
        "surveyor may not have been at the unit. Check the map of positions and the photo of the unit's front; "
        "wrong unit coordinates in the master data raise this flag too.",
    ),
    "geo.inaccurate": Explanation(
        id="Posisi terbaik yang direkam ponsel kurang akurat (lebih dari batas, biasanya 100 m), sehingga "
        "kehadiran di unit tidak dapat dipastikan dari GPS. Sering terjadi di dalam gedung atau bila GPS "
        "ponsel mati; andalkan foto sebagai bukti kehadiran.",
        en="The best position the phone recorded is imprecise (worse than the limit, usually 100 m), so GPS cannot "
        "confirm the surveyor was at the unit. Common indoors or with the phone's GPS switched off; rely on the "
        "photos as evidence of presence.",
    ),
    "photo.far": Explanation(
        id="Foto ini diambil di luar radius unit menurut GPS di foto (EXIF) atau posisi ponsel saat memotret. "
        "Foto mungkin diambil di tempat lain. Bandingkan isi foto dengan unit; spanduk atau papan di luar "
        "gedung bisa sah berada sedikit di luar radius.",
        en="This photo was taken outside the unit's geofence according to its own GPS (EXIF) or the phone's position "
        "when it was taken. It may have been taken elsewhere. Compare what it shows with the unit; a banner or "
        "sign outside the building may rightly be just beyond the geofence.",
    ),
    "photo.time": Explanation(
        id="Waktu pengambilan foto berada di luar waktu kunjungan (lebih dari toleransi, biasanya 15 menit). "
        "Foto mungkin diambil pada hari atau jam lain. Jam ponsel yang salah juga bisa menimbulkan tanda ini; "
        "lihat apakah foto lain pada kunjungan yang sama bergeser dengan selisih yang sama.",
        en="The photo's time lies outside the visit (beyond the tolerance, usually 15 minutes). It may have been "
        "taken on another day or at another hour. A phone with a wrong clock raises this flag too; see whether "
        "the visit's other photos are shifted by the same amount.",
    ),
    "photo.reused": Explanation(
        id="Foto ini sama persis (sidik sha256 sama) atau sangat mirip (hash perseptual dekat) dengan foto pada "
        "kunjungan lain. Bukti mungkin dipakai ulang. Buka kunjungan yang disebut dan bandingkan kedua foto; "
        "dua foto papan standar yang sama dari sudut yang sama bisa mirip secara wajar.",
        en="This photo is identical (same sha256) or very similar (close perceptual hash) to a photo of another "
        "visit. Evidence may have been reused. Open the visit named and compare both photos; two pictures of the "
        "same standard notice board from the same angle can look alike for honest reasons.",
    ),
    "photo.duplicate_in_visit": Explanation(
        id="Foto yang sama (sidik sha256 sama) atau hampir sama (hash perseptual dekat) dipakai sebagai bukti untuk "
        "beberapa indikator pada kunjungan ini. Satu foto mungkin dipakai untuk menutupi indikator yang tidak "
        "diamati. Bandingkan foto dengan indikatornya; satu papan standar pelayanan yang memuat persyaratan, biaya "
        "dan prosedur sekaligus bisa sah difoto untuk beberapa indikator.",
        en="The same picture (same sha256) or a near-identical one (close perceptual hash) is offered as evidence "
        "for several indicators of this visit. One photo may be standing in for indicators that were not observed. "
        "Compare the photo with each indicator; one service-standard board showing the requirements, fees and "
        "procedure at once can honestly serve several indicators.",
    ),
    "geo.mocked": Explanation(
        id="Posisi ponsel tampak disuntikkan atau diputar ulang, bukan diukur: akurasi tepat 0 m, koordinat yang "
        "sama persis selama kunjungan, akurasi yang sama sampai milimeter, waktu dengan selang yang sama persis, "
        "atau jejak yang sama dengan kunjungan lain. Aplikasi lokasi palsu menghasilkan pola seperti ini. Periksa "
        "foto sebagai bukti kehadiran dan tanyakan kepada petugas.",
        en="The phone's positions look injected or replayed rather than measured: an accuracy of exactly 0 m, the "
        "very same coordinates throughout, the same accuracy to the millimetre, fixes at exactly even intervals, "
        "or the same track as another visit. Mock-location apps produce such patterns. Check the photos as "
        "evidence of presence and ask the surveyor.",
    ),
    "photo.no_exif": Explanation(
        id="Foto tidak membawa data EXIF, jadi waktu dan lokasinya hanya berasal dari ponsel. Ini wajar untuk "
        "foto yang diperkecil oleh aplikasi; hanya informasi.",
        en="The photo carries no EXIF data, so its time and place come from the phone alone. This is normal for "
        "photos resized by the app; information only.",
    ),
    "photo.unreadable": Explanation(
        id="Foto diterima dan disimpan apa adanya, tetapi gambarnya tidak dapat dibaca (datanya rusak atau "
        "terpotong), sehingga tidak ada tampilan, thumbnail, maupun pemeriksaan foto kembar. Petugas diberi tahu "
        "untuk mengambil foto lagi; unduh aslinya bila perlu memeriksanya.",
        en="The photo was received and stored as sent, but its picture cannot be decoded (damaged or cut short), "
        "so it has no display image, no thumbnail and no look-alike check. The surveyor is told to take it again; "
        "download the original if you need to examine it.",
    ),
    "visit.too_fast": Explanation(
        id="Kunjungan terlalu singkat untuk jumlah indikator dan foto yang direkam (kunjungan kepatuhan yang nyata "
        "memakan 30-90 menit), atau semua jawaban dan foto direkam dalam beberapa menit saja walau kunjungan dibiarkan "
        "terbuka lebih lama. Jawaban mungkin diisi tanpa pengamatan. Periksa waktu foto dan apakah jawaban sesuai "
        "dengan foto; unit kecil dengan sedikit hal untuk diamati bisa sah selesai lebih cepat.",
        en="The visit was too short for the indicators and photos recorded (a real compliance visit takes 30-90 "
        "minutes), or all its answers and photos were recorded within a few minutes although the visit was left "
        "open longer. Answers may have been filled in without looking. Check the photo times and whether the "
        "answers match the photos; a small unit with little to observe can honestly be done sooner.",
    ),
    "visit.impossible_travel": Explanation(
        id="Petugas yang sama tercatat di dua unit berbeda pada waktu yang tumpang tindih, atau berpindah dari satu "
        "kunjungan ke kunjungan berikutnya lebih cepat daripada yang dimungkinkan jalan. Salah satu kunjungan "
        "mungkin tidak dilakukan di tempatnya. Buka kunjungan yang disebut dan bandingkan posisi serta waktu "
        "fotonya; jam ponsel yang salah atau koordinat unit yang keliru juga bisa menimbulkan tanda ini.",
        en="The same surveyor was recorded at two different units at overlapping times, or moved from one visit to "
        "the next faster than roads allow. One of the visits may not have taken place where it says. Open the "
        "visit named and compare the positions and photo times of both; a wrong phone clock or wrong unit "
        "coordinates raise this flag too.",
    ),
    "visit.outside_window": Explanation(
        id="Kunjungan dilakukan di luar jendela waktu penugasan atau saat unit tutup menurut jam layanannya. "
        "Penilaian saat unit tutup tidak mencerminkan pelayanan. Periksa apakah jam layanan unit di data induk "
        "benar.",
        en="The visit took place outside the assignment window or while the unit is closed according to its opening "
        "hours. An assessment of a closed unit does not reflect its service. Check that the unit's opening hours "
        "in the master data are right.",
    ),
    "visit.late_sync": Explanation(
        id="Kunjungan pertama kali diterima server lama setelah selesai. Bisa karena tidak ada sinyal berhari-hari, "
        "tetapi juga memberi waktu untuk mengubah data. Periksa kecocokan waktu foto dengan waktu kunjungan.",
        en="The visit first reached the server long after it finished. No signal for days explains this, but the "
        "delay also leaves time to alter data. Check that photo times match the visit's times.",
    ),
    "visit.incomplete_answers": Explanation(
        id="Ada indikator wajib tanpa jawaban atau tanpa foto wajib. Indikator wajib tanpa jawaban dinilai 0. "
        "Kembalikan kunjungan dengan komentar bila petugas masih bisa melengkapinya, atau setujui bila catatan "
        "menjelaskan mengapa tidak bisa (misalnya petugas unit menolak).",
        en="Some required indicators lack an answer or a required photo. An unanswered required indicator scores 0. "
        "Return the visit with a comment if the surveyor can still complete it, or approve it if the notes "
        "explain why they could not (for example, staff refused).",
    ),
}

_UNKNOWN = Explanation(
    id="Temuan otomatis yang belum memiliki penjelasan. Baca rinciannya dan periksa bukti terkait.",
    en="An automatic finding without an explanation yet. Read its detail and check the related evidence.",
)


def explain_flag(code: str) -> Explanation:
    """The explanation of a flag code; a generic one for a code added after this table (never an error)."""
    return EXPLANATIONS.get(code, _UNKNOWN)
