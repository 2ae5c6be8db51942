"""Imported by the photo decoders' fork server alone (``decoders._PRELOAD``), never by the app process: the fork
server dies with the app process that started it. (Importing this anywhere else would tie that process's life to its
own parent's.)"""

from server.domain.photos.decoders import die_with_parent

die_with_parent()
