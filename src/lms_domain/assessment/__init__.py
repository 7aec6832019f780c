"""Quizzes, their questions, students' attempts and grading."""
