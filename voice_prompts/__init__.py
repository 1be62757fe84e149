"""The voice prompt pipeline: conversion (convert), TTS drafts (tts), the catalogue (services).

A prompt upload in any supported format (WAV, MP3, OGG/Opus, M4A, WebM) is
checked, decoded with ffmpeg, trimmed, loudness-normalised and written as the
two files Asterisk plays: ``NAME.wav`` (8 kHz) and ``NAME.sln16`` (16 kHz),
in the sounds directory of the prompt's language.
"""
