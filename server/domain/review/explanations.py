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
    "photo.no_exif": Explanation(
        id="Foto tidak membawa data EXIF, jadi waktu dan lokasinya hanya berasal dari ponsel. Ini wajar untuk "
        "foto yang diperkecil oleh aplikasi; hanya informasi.",
        en="The photo carries no EXIF data, so its time and place come from the phone alone. This is normal for "
        "photos resized by the app; information only.",
    ),
    "visit.too_fast": Explanation(
        id="Kunjungan selesai terlalu cepat untuk jumlah indikator yang dijawab (di bawah batas detik per "
        "indikator). Jawaban mungkin diisi tanpa pengamatan. Periksa waktu foto dan apakah jawaban sesuai "
        "dengan foto.",
        en="The visit was finished too quickly for the number of indicators answered (under the limit of seconds "
        "per indicator). Answers may have been filled in without looking. Check the photo times and whether the "
        "answers match the photos.",
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
