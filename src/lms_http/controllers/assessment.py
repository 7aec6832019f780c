"""/quizzes and /attempts: authoring quizzes and questions, taking and grading attempts."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from lms_domain.assessment import use_cases as uc
from lms_domain.shared.actors import Actor
from lms_http.dto.assessment import (
    AttemptOut,
    AttemptPage,
    BankCreate,
    BankOut,
    BankPage,
    BankUpdate,
    GradeIn,
    HistoryEntryOut,
    QuestionCreate,
    QuestionOut,
    QuestionPage,
    QuestionUpdate,
    QuizCreate,
    QuizDetailOut,
    QuizPage,
    QuizUpdate,
    RegradeIn,
    RegradeOut,
    SubmitIn,
)
from lms_http.errors import errors
from lms_http.params import PageNumber, PageSize, page_request

__all__ = ["AttemptController", "CourseBankController", "QuestionBankController", "QuizController"]

CourseFilter = Annotated[UUID | None, QueryParameter(description="Only this course's quizzes")]
LessonFilter = Annotated[UUID | None, QueryParameter(description="Only this lesson's quizzes")]
PublishedOnly = Annotated[bool, QueryParameter(description="Only published quizzes")]


class QuizController(Controller):
    path, tags = "/quizzes", ["quizzes"]

    @get("/", responses=errors(401, 422, 429, 503))
    async def list_quizzes(
        self,
        optional_actor: NamedDependency[Actor | None],
        list_quizzes: NamedDependency[uc.ListQuizzes],
        page: PageNumber = 1,
        page_size: PageSize = 20,
        course_id: CourseFilter = None,
        lesson_id: LessonFilter = None,
        published_only: PublishedOnly = False,
    ) -> QuizPage:
        """Quizzes the caller may see (published ones of published courses; all of their own
        courses for the owner; everything for admins), oldest first, with question counts."""
        return QuizPage.of(
            await list_quizzes(
                actor=optional_actor,
                page=page_request(page, page_size),
                course_id=course_id,
                lesson_id=lesson_id,
                published_only=published_only,
            )
        )

    @post("/", status_code=201, responses=errors(401, 403, 404, 422, 429, 503))
    async def create_quiz(
        self,
        data: JSONBody[QuizCreate],
        actor: NamedDependency[Actor],
        create_quiz: NamedDependency[uc.CreateQuiz],
    ) -> QuizDetailOut:
        """Create an unpublished quiz for a course, optionally with its questions (owner or admin)."""
        return QuizDetailOut.of_view(await create_quiz(actor=actor, data=data.to_domain()))

    @get("/{quiz_id:uuid}", responses=errors(401, 404, 429, 503))
    async def get_quiz(
        self,
        quiz_id: FromPath[UUID],
        optional_actor: NamedDependency[Actor | None],
        get_quiz: NamedDependency[uc.GetQuiz],
    ) -> QuizDetailOut:
        """A quiz with its questions in order; correct answers only for the course owner and admins."""
        return QuizDetailOut.of_view(await get_quiz(actor=optional_actor, quiz_id=quiz_id))

    @patch("/{quiz_id:uuid}", responses=errors(400, 401, 403, 404, 422, 429, 503))
    async def update_quiz(
        self,
        quiz_id: FromPath[UUID],
        data: JSONBody[QuizUpdate],
        actor: NamedDependency[Actor],
        update_quiz: NamedDependency[uc.UpdateQuiz],
    ) -> QuizDetailOut:
        """Change a quiz (owner or admin); publishing a quiz without questions is 400."""
        return QuizDetailOut.of_view(
            await update_quiz(actor=actor, quiz_id=quiz_id, changes=data.to_domain())
        )

    @delete("/{quiz_id:uuid}", status_code=204, responses=errors(401, 403, 404, 429, 503))
    async def delete_quiz(
        self,
        quiz_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        delete_quiz: NamedDependency[uc.DeleteQuiz],
    ) -> None:
        """Delete a quiz with its questions and attempts (owner or admin)."""
        await delete_quiz(actor=actor, quiz_id=quiz_id)

    @post("/{quiz_id:uuid}/publish", status_code=200, responses=errors(400, 401, 403, 404, 429, 503))
    async def publish_quiz(
        self,
        quiz_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        publish_quiz: NamedDependency[uc.PublishQuiz],
    ) -> QuizDetailOut:
        """Publish a quiz that has at least one question (owner or admin)."""
        return QuizDetailOut.of_view(await publish_quiz(actor=actor, quiz_id=quiz_id))

    @post("/{quiz_id:uuid}/questions", status_code=201, responses=errors(401, 403, 404, 422, 429, 503))
    async def add_question(
        self,
        quiz_id: FromPath[UUID],
        data: JSONBody[QuestionCreate],
        actor: NamedDependency[Actor],
        add_question: NamedDependency[uc.AddQuestion],
    ) -> QuestionOut:
        """Add a question (after the last one unless ``order`` is given; owner or admin)."""
        return QuestionOut.of(
            await add_question(actor=actor, quiz_id=quiz_id, data=data.to_domain()), include_answers=True
        )

    @patch("/{quiz_id:uuid}/questions/{question_id:uuid}", responses=errors(401, 403, 404, 422, 429, 503))
    async def update_question(
        self,
        quiz_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[QuestionUpdate],
        actor: NamedDependency[Actor],
        update_question: NamedDependency[uc.UpdateQuestion],
    ) -> QuestionOut:
        """Change a question (owner or admin)."""
        return QuestionOut.of(
            await update_question(
                actor=actor, quiz_id=quiz_id, question_id=question_id, changes=data.to_domain()
            ),
            include_answers=True,
        )

    @delete(
        "/{quiz_id:uuid}/questions/{question_id:uuid}",
        status_code=204,
        responses=errors(400, 401, 403, 404, 429, 503),
    )
    async def delete_question(
        self,
        quiz_id: FromPath[UUID],
        question_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        delete_question: NamedDependency[uc.DeleteQuestion],
    ) -> None:
        """Delete a question; a published quiz keeps at least one (400; owner or admin)."""
        await delete_question(actor=actor, quiz_id=quiz_id, question_id=question_id)

    @post("/{quiz_id:uuid}/attempts", status_code=201, responses=errors(401, 403, 404, 409, 429, 503))
    async def start_attempt(
        self,
        quiz_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        start_attempt: NamedDependency[uc.StartAttempt],
    ) -> AttemptOut:
        """Open an attempt of a published quiz (enrolled users only; one open at a time;
        ``max_attempts`` caps finished attempts: 409). A quiz attached to a lesson locked for the
        caller by its release rule: 409. Returns its questions, without answers."""
        return AttemptOut.of(await start_attempt(actor=actor, quiz_id=quiz_id))

    @get("/{quiz_id:uuid}/grading-queue", responses=errors(401, 403, 404, 422, 429, 503))
    async def grading_queue(
        self,
        quiz_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        grading_queue: NamedDependency[uc.GradingQueue],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> AttemptPage:
        """Submitted attempts awaiting a grader (an answered essay), oldest first (course editors
        and teaching assistants)."""
        return AttemptPage.of(
            await grading_queue(actor=actor, quiz_id=quiz_id, page=page_request(page, page_size))
        )

    @post(
        "/{quiz_id:uuid}/questions/{question_id:uuid}/regrade",
        status_code=200,
        responses=errors(401, 403, 404, 422, 429, 503),
    )
    async def regrade_question(
        self,
        quiz_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[RegradeIn],
        actor: NamedDependency[Actor],
        regrade_question: NamedDependency[uc.RegradeQuestion],
    ) -> RegradeOut:
        """Give the question a new key and grade it again in every submitted attempt holding it
        (course editors)."""
        result = await regrade_question(
            actor=actor,
            quiz_id=quiz_id,
            question_id=question_id,
            correct_answer=data.correct_answer,
            reason=data.reason,
        )
        return RegradeOut(attempts_regraded=result.attempts_regraded, scores_changed=result.scores_changed)


class AttemptController(Controller):
    path, tags = "/attempts", ["attempts"]

    @get("/{attempt_id:uuid}", responses=errors(401, 404, 429, 503))
    async def get_attempt(
        self,
        attempt_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        get_attempt: NamedDependency[uc.GetAttempt],
    ) -> AttemptOut:
        """An attempt, seen by its student, the course owner and admins."""
        return AttemptOut.of(await get_attempt(actor=actor, attempt_id=attempt_id))

    @post("/{attempt_id:uuid}/submit", status_code=200, responses=errors(401, 404, 409, 422, 429, 503))
    async def submit_attempt(
        self,
        attempt_id: FromPath[UUID],
        data: JSONBody[SubmitIn],
        actor: NamedDependency[Actor],
        submit_attempt: NamedDependency[uc.SubmitAttempt],
    ) -> AttemptOut:
        """Submit answers once and get the graded attempt; late (past the time limit plus 60 s)
        or repeated submissions are 409."""
        return AttemptOut.of(
            await submit_attempt(actor=actor, attempt_id=attempt_id, answers=data.to_domain())
        )

    @post(
        "/{attempt_id:uuid}/answers/{question_id:uuid}/grade",
        status_code=200,
        responses=errors(401, 403, 404, 409, 422, 429, 503),
    )
    async def grade_answer(
        self,
        attempt_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[GradeIn],
        actor: NamedDependency[Actor],
        grade_answer: NamedDependency[uc.GradeAnswer],
    ) -> AttemptOut:
        """Grade an essay answer of a submitted attempt, again if need be (course editors and
        teaching assistants; the attempt's student 403). The attempt is scored once no answer is
        pending."""
        return AttemptOut.of(
            await grade_answer(
                actor=actor,
                attempt_id=attempt_id,
                question_id=question_id,
                points_earned=data.points_earned,
                feedback=data.feedback,
            )
        )

    @get("/{attempt_id:uuid}/history", responses=errors(401, 404, 429, 503))
    async def attempt_history(
        self,
        attempt_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        attempt_history: NamedDependency[uc.AttemptHistory],
    ) -> list[HistoryEntryOut]:
        """Newest first: each regrade or hand grade that changed the attempt's score (those who may
        see the attempt)."""
        return [HistoryEntryOut.of(e) for e in await attempt_history(actor=actor, attempt_id=attempt_id)]


class CourseBankController(Controller):
    path, tags = "/courses/{course_id:uuid}/question-banks", ["question banks"]

    @post("/", status_code=201, responses=errors(401, 403, 404, 422, 429, 503))
    async def create_bank(
        self,
        course_id: FromPath[UUID],
        data: JSONBody[BankCreate],
        actor: NamedDependency[Actor],
        create_bank: NamedDependency[uc.CreateBank],
    ) -> BankOut:
        """Create a question bank for the course (course editors)."""
        return BankOut.of(await create_bank(actor=actor, course_id=course_id, title=data.title))

    @get("/", responses=errors(401, 404, 422, 429, 503))
    async def list_banks(
        self,
        course_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        list_banks: NamedDependency[uc.ListBanks],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> BankPage:
        """The course's question banks, oldest first (course editors and teaching assistants)."""
        return BankPage.of(
            await list_banks(actor=actor, course_id=course_id, page=page_request(page, page_size))
        )


class QuestionBankController(Controller):
    path, tags = "/question-banks", ["question banks"]

    @get("/{bank_id:uuid}", responses=errors(401, 404, 429, 503))
    async def get_bank(
        self, bank_id: FromPath[UUID], actor: NamedDependency[Actor], get_bank: NamedDependency[uc.GetBank]
    ) -> BankOut:
        """A question bank (course editors and teaching assistants)."""
        return BankOut.of(await get_bank(actor=actor, bank_id=bank_id))

    @patch("/{bank_id:uuid}", responses=errors(401, 403, 404, 422, 429, 503))
    async def update_bank(
        self,
        bank_id: FromPath[UUID],
        data: JSONBody[BankUpdate],
        actor: NamedDependency[Actor],
        update_bank: NamedDependency[uc.UpdateBank],
    ) -> BankOut:
        """Rename a question bank (course editors)."""
        return BankOut.of(await update_bank(actor=actor, bank_id=bank_id, changes=data.to_domain()))

    @delete("/{bank_id:uuid}", status_code=204, responses=errors(401, 403, 404, 409, 429, 503))
    async def delete_bank(
        self,
        bank_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        delete_bank: NamedDependency[uc.DeleteBank],
    ) -> None:
        """Delete a question bank with its questions (course editors); a bank a quiz draws from: 409."""
        await delete_bank(actor=actor, bank_id=bank_id)

    @post("/{bank_id:uuid}/questions", status_code=201, responses=errors(401, 403, 404, 422, 429, 503))
    async def add_bank_question(
        self,
        bank_id: FromPath[UUID],
        data: JSONBody[QuestionCreate],
        actor: NamedDependency[Actor],
        add_bank_question: NamedDependency[uc.AddBankQuestion],
    ) -> QuestionOut:
        """Add a question to the bank, shaped as a quiz question (course editors)."""
        return QuestionOut.of(
            await add_bank_question(actor=actor, bank_id=bank_id, data=data.to_domain()), include_answers=True
        )

    @get("/{bank_id:uuid}/questions", responses=errors(401, 404, 422, 429, 503))
    async def list_bank_questions(
        self,
        bank_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        list_bank_questions: NamedDependency[uc.ListBankQuestions],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> QuestionPage:
        """The bank's questions with their keys, in order (course editors and teaching assistants)."""
        return QuestionPage.of(
            await list_bank_questions(actor=actor, bank_id=bank_id, page=page_request(page, page_size))
        )

    @patch("/{bank_id:uuid}/questions/{question_id:uuid}", responses=errors(401, 403, 404, 422, 429, 503))
    async def update_bank_question(
        self,
        bank_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[QuestionUpdate],
        actor: NamedDependency[Actor],
        update_bank_question: NamedDependency[uc.UpdateBankQuestion],
    ) -> QuestionOut:
        """Change a bank question; attempts that drew it keep it as it was (course editors)."""
        return QuestionOut.of(
            await update_bank_question(
                actor=actor, bank_id=bank_id, question_id=question_id, changes=data.to_domain()
            ),
            include_answers=True,
        )

    @delete(
        "/{bank_id:uuid}/questions/{question_id:uuid}",
        status_code=204,
        responses=errors(401, 403, 404, 409, 429, 503),
    )
    async def delete_bank_question(
        self,
        bank_id: FromPath[UUID],
        question_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        delete_bank_question: NamedDependency[uc.DeleteBankQuestion],
    ) -> None:
        """Delete a bank question (course editors); leaving a published quiz's pool short: 409."""
        await delete_bank_question(actor=actor, bank_id=bank_id, question_id=question_id)

    @post(
        "/{bank_id:uuid}/questions/{question_id:uuid}/regrade",
        status_code=200,
        responses=errors(401, 403, 404, 422, 429, 503),
    )
    async def regrade_bank_question(
        self,
        bank_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[RegradeIn],
        actor: NamedDependency[Actor],
        regrade_question: NamedDependency[uc.RegradeQuestion],
    ) -> RegradeOut:
        """Give the bank question a new key and grade it again in every submitted attempt that
        drew it (course editors)."""
        result = await regrade_question(
            actor=actor,
            bank_id=bank_id,
            question_id=question_id,
            correct_answer=data.correct_answer,
            reason=data.reason,
        )
        return RegradeOut(attempts_regraded=result.attempts_regraded, scores_changed=result.scores_changed)
